package io.recserve.analytics;

import io.vertx.core.json.JsonObject;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@code JsonObject} whose fields are built the first time anything reads them. The stored events are published on
 * {@code recserve.analytics.stream} after every write, whether or not anyone listens (by default nobody does); the
 * profile of the cached path put building that JSON tree at 15% of the node's CPU (docs/performance.md). With this,
 * a publish nobody receives costs nothing, and a consumer (a local one gets a copy, a remote one the encoded text, the
 * TCP bridge either) sees exactly the same JSON as before.
 */
final class LazyJson extends AbstractMap<String, Object> {
  private final Supplier<JsonObject> build;
  private Map<String, Object> built;

  private LazyJson(Supplier<JsonObject> build) {
    this.build = build;
  }

  static JsonObject of(Supplier<JsonObject> build) {
    return new JsonObject(new LazyJson(build));
  }

  /** Copies for several local consumers may read it from their own threads. */
  private synchronized Map<String, Object> map() {
    if (built == null) built = build.get().getMap();
    return built;
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return map().entrySet();
  }

  @Override
  public Object get(Object key) {
    return map().get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return map().containsKey(key);
  }

  @Override
  public Object put(String key, Object value) {
    return map().put(key, value);
  }

  @Override
  public Object remove(Object key) {
    return map().remove(key);
  }

  @Override
  public int size() {
    return map().size();
  }
}

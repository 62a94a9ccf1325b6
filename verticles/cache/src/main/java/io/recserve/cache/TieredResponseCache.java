package io.recserve.cache;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Redis behind a short-lived in-process tier. A key names one model version, user and cutoff, so its value never
 * changes: a local copy can only be fresh or expired, never stale. Gets try the local tier, then Redis (filling the
 * local tier on a hit); puts write both.
 */
final class TieredResponseCache implements ResponseCache {
  private final ResponseCache local;
  private final ResponseCache shared;

  TieredResponseCache(ResponseCache local, ResponseCache shared) {
    this.local = local;
    this.shared = shared;
  }

  @Override
  public Future<JsonObject> get(String key) {
    return local.get(key).compose(hit -> hit != null ? Future.succeededFuture(hit)
        : shared.get(key).andThen(ar -> {
          if (ar.succeeded() && ar.result() != null) local.put(key, ar.result());
        }));
  }

  @Override
  public Future<Void> put(String key, JsonObject value) {
    local.put(key, value);
    return shared.put(key, value);
  }

  @Override
  public Future<Void> ping() {
    return shared.ping();
  }

  @Override
  public String name() {
    return shared.name() + " (with an in-process tier)";
  }

  @Override
  public Future<Void> close() {
    return shared.close();
  }
}

package io.recserve.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The embedded default: a bounded in-process cache, entries expiring after the TTL. */
final class CaffeineResponseCache implements ResponseCache {
  private final Cache<String, JsonObject> cache;

  CaffeineResponseCache(long maxEntries, Duration ttl) {
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
  }

  @Override
  public Future<JsonObject> get(String key) {
    return Future.succeededFuture(cache.getIfPresent(key));
  }

  @Override
  public Future<Void> put(String key, JsonObject value) {
    cache.put(key, value);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public String name() {
    return "caffeine";
  }
}

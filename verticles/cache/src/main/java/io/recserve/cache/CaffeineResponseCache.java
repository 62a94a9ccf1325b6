package io.recserve.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * The embedded default: an in-process cache bounded by bytes (keys and values weighed as UTF-16 text plus a fixed
 * overhead per entry), entries expiring after the TTL.
 */
final class CaffeineResponseCache implements ResponseCache {
  /** What an entry costs beyond its text: the node, the strings' headers, Caffeine's bookkeeping. */
  static final int ENTRY_OVERHEAD = 96;
  private final Cache<String, String> cache;

  CaffeineResponseCache(long maxBytes, Duration ttl) {
    this.cache = Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((String k, String v) -> ENTRY_OVERHEAD + 2 * (k.length() + v.length()))
        .expireAfterWrite(ttl).build();
  }

  @Override
  public Future<String> get(String key) {
    return Future.succeededFuture(cache.getIfPresent(key));
  }

  @Override
  public Future<Void> put(String key, String value) {
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

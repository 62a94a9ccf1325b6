package io.recserve.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default: an in-process cache bounded by bytes (text weighed as UTF-16 plus a fixed overhead per
 * field), entries expiring after the TTL from their last write.
 */
final class CaffeineResponseCache implements ResponseCache {
  /** What a field costs beyond its text: the map node, the strings' headers, Caffeine's bookkeeping. */
  static final int ENTRY_OVERHEAD = 96;
  private final Cache<String, Map<String, String>> cache;

  CaffeineResponseCache(long maxBytes, Duration ttl) {
    // Eviction runs on the writing thread (Caffeine's maintenance is amortised and short), not on the common pool:
    // under load the pool's turn could come late, and the bound must hold when the put returns.
    this.cache = Caffeine.newBuilder().executor(Runnable::run).maximumWeight(maxBytes)
        .weigher((String k, Map<String, String> fields) -> {
          long bytes = ENTRY_OVERHEAD + 2L * k.length();
          for (Map.Entry<String, String> f : fields.entrySet()) bytes += ENTRY_OVERHEAD + 2L * (f.getKey().length() + f.getValue().length());
          return (int) Math.min(Integer.MAX_VALUE, bytes);
        })
        .expireAfterWrite(ttl).build();
  }

  @Override
  public Future<String> get(String key, String field) {
    Map<String, String> fields = cache.getIfPresent(key);
    return Future.succeededFuture(fields == null ? null : fields.get(field));
  }

  @Override
  public Future<Void> put(String key, String field, String value) {
    cache.asMap().compute(key, (k, old) -> {
      Map<String, String> fields = old == null ? new HashMap<>(4) : new HashMap<>(old);
      fields.put(field, value);
      return Map.copyOf(fields);
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> delete(List<String> keys) {
    cache.invalidateAll(keys);
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

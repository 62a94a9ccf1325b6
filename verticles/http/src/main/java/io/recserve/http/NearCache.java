package io.recserve.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.WeakHashMap;

/**
 * Answers kept in the HTTP node's memory, in front of the cache verticle: a hit costs no bus hop. One per JVM, shared
 * by its HTTP verticle instances, bounded by bytes ({@code cache.near-max-bytes}) and time
 * ({@code cache.near-ttl-seconds}; 0 turns it off). Entries are grouped by user, so that a change of one user's
 * ratings drops all of that user's answers at once ({@link #invalidate}), on every node. Keys carry the model
 * version's id and every input of the answer, so a new version never meets an old answer.
 */
final class NearCache {
  private static final Map<Object, NearCache> PER_VERTX = new WeakHashMap<>();
  /**
   * An answer's key within its user: the model version's id and the request variant. Its equals and hashCode are
   * written out: the record's generated ones go through method handles the JIT did not inline (6% of the cached path).
   */
  record Key(String modelId, String variant) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && modelId.equals(k.modelId) && variant.equals(k.variant);
    }

    @Override
    public int hashCode() {
      return 31 * modelId.hashCode() + variant.hashCode();
    }
  }

  private final Cache<Integer, Map<Key, Answer>> users;
  /** The latest change (feedback generation) of users whose ratings changed lately: older answers are not kept. */
  private final Cache<Integer, Long> changed = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).maximumSize(1_000_000).build();

  private NearCache(long maxBytes, Duration ttl) {
    this.users = Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((Integer user, Map<Key, Answer> answers) -> {
          long bytes = 64;
          for (Entry<Key, Answer> e : answers.entrySet()) bytes += 128 + 2L * e.getKey().variant().length() + e.getValue().bytes();
          return (int) Math.min(Integer.MAX_VALUE, bytes);
        })
        .expireAfterWrite(ttl).build();
  }

  /** This Vert.x instance's near-cache, or null when it is turned off. */
  static synchronized NearCache of(Object vertx, long maxBytes, long ttlSeconds) {
    if (ttlSeconds <= 0 || maxBytes <= 0) return null;
    return PER_VERTX.computeIfAbsent(vertx, v -> new NearCache(maxBytes, Duration.ofSeconds(ttlSeconds)));
  }

  Answer get(int userId, Key key) {
    Map<Key, Answer> answers = users.getIfPresent(userId);
    return answers == null ? null : answers.get(key);
  }

  void put(int userId, Key key, Answer answer) {
    if (!fresh(userId, answer.generation())) return;
    users.asMap().compute(userId, (u, old) -> {
      Map<Key, Answer> answers = old == null ? new HashMap<>(4) : new HashMap<>(old);
      answers.put(key, answer);
      return Map.copyOf(answers);
    });
  }

  /** The user's ratings changed as of {@code generation}: drops the user's answers and refuses older ones from now on. */
  void invalidate(int userId, long generation) {
    changed.asMap().merge(userId, generation, Math::max);
    users.invalidate(userId);
  }

  /** False for an answer computed before the user's latest change (it must not be cached anywhere). */
  boolean fresh(int userId, long generation) {
    Long since = changed.getIfPresent(userId);
    return since == null || generation >= since;
  }
}

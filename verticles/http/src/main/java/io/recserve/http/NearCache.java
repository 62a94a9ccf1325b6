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
  private final Cache<Integer, Map<String, Answer>> users;

  private NearCache(long maxBytes, Duration ttl) {
    this.users = Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((Integer user, Map<String, Answer> answers) -> {
          long bytes = 64;
          for (Entry<String, Answer> e : answers.entrySet()) bytes += 96 + 2L * e.getKey().length() + e.getValue().bytes();
          return (int) Math.min(Integer.MAX_VALUE, bytes);
        })
        .expireAfterWrite(ttl).build();
  }

  /** This Vert.x instance's near-cache, or null when it is turned off. */
  static synchronized NearCache of(Object vertx, long maxBytes, long ttlSeconds) {
    if (ttlSeconds <= 0 || maxBytes <= 0) return null;
    return PER_VERTX.computeIfAbsent(vertx, v -> new NearCache(maxBytes, Duration.ofSeconds(ttlSeconds)));
  }

  Answer get(int userId, String key) {
    Map<String, Answer> answers = users.getIfPresent(userId);
    return answers == null ? null : answers.get(key);
  }

  void put(int userId, String key, Answer answer) {
    users.asMap().compute(userId, (u, old) -> {
      Map<String, Answer> answers = old == null ? new HashMap<>(4) : new HashMap<>(old);
      answers.put(key, answer);
      return Map.copyOf(answers);
    });
  }

  void invalidate(int userId) {
    users.invalidate(userId);
  }
}

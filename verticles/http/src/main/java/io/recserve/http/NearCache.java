package io.recserve.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

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

  /**
   * A user's answers, kept at one moment: served until the TTL has passed; past a random moment in its second half, the
   * first request to find them asks for a refresh (from the cache verticle) while still being answered at once. So a
   * request waits on Redis only for a user not asked for in a whole TTL, and users kept at the same moment (all of them,
   * at start) are not refreshed all at once. With a plain TTL, the misses every 10 s set the p99 of the cached path
   * (docs/performance.md).
   */
  private record Answers(Map<Key, Answer> byKey, long refreshNanos, long deadlineNanos, AtomicBoolean refreshing) {
    boolean expired(long now) {
      return now - deadlineNanos >= 0;
    }

    /** True once, for the first caller past the refresh moment. */
    boolean claimRefresh(long now) {
      return now - refreshNanos >= 0 && !refreshing.get() && refreshing.compareAndSet(false, true);
    }
  }

  /** A kept answer, and whether this caller should refresh it. */
  record Hit(Answer answer, boolean refresh) {}

  private final Cache<Integer, Answers> users;
  private final long ttlNanos;
  /** The latest change (feedback generation) of users whose ratings changed lately: older answers are not kept. */
  private final Cache<Integer, Long> changed = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).maximumSize(1_000_000).build();

  private final LongSupplier clock;

  /** {@code clock}: nanoseconds, {@link System#nanoTime} but in tests. */
  NearCache(long maxBytes, Duration ttl, LongSupplier clock) {
    this.ttlNanos = ttl.toNanos();
    this.clock = clock;
    this.users = Caffeine.newBuilder().maximumWeight(maxBytes).ticker(clock::getAsLong)
        .weigher((Integer user, Answers answers) -> {
          long bytes = 80;
          for (Entry<Key, Answer> e : answers.byKey().entrySet()) bytes += 128 + 2L * e.getKey().variant().length() + e.getValue().bytes();
          return (int) Math.min(Integer.MAX_VALUE, bytes);
        })
        .expireAfterWrite(ttl).build();
  }

  /** This Vert.x instance's near-cache, or null when it is turned off. */
  static synchronized NearCache of(Object vertx, long maxBytes, long ttlSeconds) {
    if (ttlSeconds <= 0 || maxBytes <= 0) return null;
    return PER_VERTX.computeIfAbsent(vertx, v -> new NearCache(maxBytes, Duration.ofSeconds(ttlSeconds), System::nanoTime));
  }

  Hit get(int userId, Key key) {
    Answers answers = users.getIfPresent(userId);
    if (answers == null) return null;
    long now = clock.getAsLong();
    if (answers.expired(now)) return null;
    Answer answer = answers.byKey().get(key);
    return answer == null ? null : new Hit(answer, answers.claimRefresh(now));
  }

  /** Keeps {@code answer} beside the user's other live answers, until those expire. */
  void put(int userId, Key key, Answer answer) {
    if (!fresh(userId, answer.generation())) return;
    long now = clock.getAsLong();
    users.asMap().compute(userId, (u, old) -> {
      if (old == null || old.expired(now)) return kept(Map.of(key, answer), now);
      Map<Key, Answer> byKey = new HashMap<>(old.byKey());
      byKey.put(key, answer);
      return new Answers(Map.copyOf(byKey), old.refreshNanos(), old.deadlineNanos(), old.refreshing());
    });
  }

  /** A refreshed answer: the user's answers start again from it (the others are fetched again when asked for). */
  void renew(int userId, Key key, Answer answer) {
    if (!fresh(userId, answer.generation())) return;
    long now = clock.getAsLong();
    users.asMap().compute(userId, (u, old) -> kept(Map.of(key, answer), now));
  }

  private Answers kept(Map<Key, Answer> byKey, long now) {
    long refresh = now + ttlNanos / 2 + ThreadLocalRandom.current().nextLong(ttlNanos / 4 + 1);
    return new Answers(byKey, refresh, now + ttlNanos, new AtomicBoolean());
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

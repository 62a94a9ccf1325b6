package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.ModelRef;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The near-cache's life of an answer, on a clock the test moves (no waiting): served, refreshed ahead, expired, invalidated. */
@Timeout(10)
class NearCacheTest {
  static final long TTL = Duration.ofSeconds(10).toNanos();
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final NearCache near = new NearCache(1 << 20, Duration.ofNanos(TTL), now::get);
  final NearCache.Key key = new NearCache.Key("model-a", "k10");

  static Answer answer(long generation) {
    return new Answer("[]".getBytes(), new int[] {1}, new float[] {0.5f}, new ModelRef(1, "model-a"), true, generation);
  }

  @Test
  void servedUntilTheTtlAndRefreshedAheadOnceByTheFirstCallerPastItsMoment() {
    Answer first = answer(0);
    near.put(7, key, first);
    assertThat(near.get(7, key)).isEqualTo(new NearCache.Hit(first, false));
    now.addAndGet(TTL / 2 - 1);
    assertThat(near.get(7, key).refresh()).as("before half the TTL").isFalse();
    now.addAndGet(TTL / 4 + 2); // past the latest refresh moment (half the TTL plus up to a quarter)
    assertThat(near.get(7, key)).as("still served, and this caller refreshes").isEqualTo(new NearCache.Hit(first, true));
    assertThat(near.get(7, key)).as("only one caller refreshes").isEqualTo(new NearCache.Hit(first, false));
    now.addAndGet(TTL / 4);
    assertThat(near.get(7, key)).as("past the TTL").isNull();
  }

  @Test
  void aRenewedAnswerStartsAFreshLife() {
    near.put(7, key, answer(0));
    now.addAndGet(TTL - 1);
    assertThat(near.get(7, key).refresh()).isTrue();
    Answer renewed = answer(0);
    near.renew(7, key, renewed);
    now.addAndGet(TTL / 2 - 1);
    assertThat(near.get(7, key)).isEqualTo(new NearCache.Hit(renewed, false));
  }

  @Test
  void aUsersChangeDropsTheirAnswersAndRefusesOlderOnes() {
    near.put(7, key, answer(3));
    near.put(8, key, answer(0));
    near.invalidate(7, 5);
    assertThat(near.get(7, key)).isNull();
    assertThat(near.get(8, key)).as("other users keep theirs").isNotNull();
    near.put(7, key, answer(4));
    near.renew(7, key, answer(4));
    assertThat(near.get(7, key)).as("computed before the change").isNull();
    Answer current = answer(5);
    near.put(7, key, current);
    assertThat(near.get(7, key)).isEqualTo(new NearCache.Hit(current, false));
  }
}

package io.recserve.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Key entries, digests and decisions; a secret never appears in an error or a description. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ApiKeysTest {
  static final String SECRET = "correct-horse-battery-staple";

  @Test
  void entriesInClearAndAsDigestsMatchTheirKeysOnly() {
    String digest = HexFormat.of().formatHex(ApiKeys.sha256("another-secret-0123456789"));
    ApiKeys keys = ApiKeys.parseList(" app:read:" + SECRET + " , etl:WRITE:sha256:" + digest.toUpperCase(), EnumSet.of(Role.READ, Role.WRITE), "test");
    assertThat(keys.size()).isEqualTo(2);
    assertThat(keys.match(SECRET).name()).isEqualTo("app");
    assertThat(keys.match("another-secret-0123456789").role()).isEqualTo(Role.WRITE);
    assertThat(keys.match(SECRET + "x")).isNull();
    assertThat(keys.match(digest)).as("the digest is not the key").isNull();
    assertThat(keys.describe()).containsExactly("app:read", "etl:write");
    assertThat(keys.match(SECRET).toString()).doesNotContain(SECRET);
  }

  @Test
  void mistakesAreNamedByPositionNeverByContent() {
    for (String bad : new String[] {"app:read", "app:owner:" + SECRET, "a pp:read:" + SECRET, "app:read:short", "app:read:sha256:abc",
        "app:read:" + SECRET + ",app:write:" + SECRET + "1", "ops:admin:" + SECRET}) {
      assertThatThrownBy(() -> ApiKeys.parseList(bad, EnumSet.of(Role.READ, Role.WRITE), "security.api-keys"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("security.api-keys")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET, "short"));
    }
    assertThatThrownBy(() -> ApiKeys.parseFile("# keys\n\napp:read:" + SECRET + "\nbroken\n", "keys.txt"))
        .hasMessageStartingWith("keys.txt line 4");
  }

  @Test
  void rolesAndDecisions() {
    assertThat(Role.WRITE.grants(Role.READ)).isTrue();
    assertThat(Role.READ.grants(Role.WRITE)).isFalse();
    assertThat(Role.ADMIN.grants(Role.READ)).isFalse();
    assertThat(Role.WRITE.grants(Role.ADMIN)).isFalse();
    KeyRing ring = KeyRing.of(ApiKeys.parseFile("app:read:" + SECRET + "\nops:admin:" + SECRET + "-ops", "f"), true, true);
    Guard guard = new Guard(ring, null);
    assertThat(guard.check(null, Role.READ).status()).isEqualTo(401);
    assertThat(guard.check("Basic " + SECRET, Role.READ).status()).isEqualTo(401);
    assertThat(guard.check("Bearer ", Role.READ).status()).isEqualTo(401);
    assertThat(guard.check("Bearer " + SECRET, Role.READ).allowed()).isTrue();
    assertThat(guard.check("bearer " + SECRET, Role.WRITE).status()).isEqualTo(403);
    assertThat(guard.check("Bearer " + SECRET, Role.ADMIN).status()).isEqualTo(403);
    assertThat(guard.check("Bearer " + SECRET + "-ops", Role.ADMIN).key().name()).isEqualTo("ops");
    assertThat(guard.check("Bearer " + SECRET + "-ops", Role.READ).status()).as("an admin key is for the management listener").isEqualTo(403);
  }

  @Test
  void aTokenBucketRefillsAtItsRate() {
    RateLimits.TokenBucket bucket = new RateLimits.TokenBucket(10, 2); // 10/s, 2 at once
    long now = System.nanoTime();
    assertThat(bucket.take(now)).isZero();
    assertThat(bucket.take(now)).isZero();
    long wait = bucket.take(now);
    assertThat(wait).isBetween(1L, 100_000_000L);
    assertThat(bucket.take(now + wait)).isZero();
  }
}

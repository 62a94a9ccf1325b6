package io.recserve.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** When a re-read key file is taken for the keys. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeyRingTest {
  static final String OLD = "old-secret-0123456789abcdef";
  static final String NEW = "new-secret-0123456789abcdef";
  static final long MS = 1_000_000L;

  @TempDir Path dir;

  private KeyRing ring(Vertx vertx) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "old:read:" + OLD + "\n");
    // A check period of a minute: the test makes the reads itself, the timer never fires.
    JsonObject config = new JsonObject().put("security", new JsonObject().put("api-key-file", file.toString()).put("key-file-check-ms", 60_000));
    return KeyRing.start(vertx, config).await(5, TimeUnit.SECONDS);
  }

  @Test
  void twoReadsBackToBackOfATruncatedFileDoNotEmptyTheKeys(Vertx vertx) throws Exception {
    KeyRing ring = ring(vertx);
    long t = System.nanoTime();
    // Two reads a few microseconds apart (late timer ticks on a busy machine), both between truncation and write.
    ring.changed("", t);
    ring.changed("", t + 1);
    ring.changed("", t + 29_000 * MS);
    assertThat(ring.keys().match(OLD)).as("seen twice, but not half a period apart").isNotNull();
    ring.changed("new:write:" + NEW + "\n", t + 30_000 * MS);
    assertThat(ring.keys().match(NEW)).as("seen once").isNull();
    ring.changed("new:write:" + NEW + "\n", t + 60_000 * MS);
    assertThat(ring.keys().match(NEW).role()).isEqualTo(Role.WRITE);
    assertThat(ring.keys().match(OLD)).isNull();
    ring.close(vertx);
  }

  @Test
  void anEmptiedFileIsTakenOnceItStaysEmpty(Vertx vertx) throws Exception {
    KeyRing ring = ring(vertx);
    long t = System.nanoTime();
    ring.changed("# no clients\n", t);
    ring.changed("# no clients\n", t + 30_000 * MS);
    assertThat(ring.keys().match(OLD)).isNull();
    assertThat(ring.apiGuarded()).as("the public routes stay guarded").isTrue();
    ring.close(vertx);
  }
}

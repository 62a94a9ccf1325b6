package io.recserve.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis URL's credentials and TLS, against a redis-server this test starts on a free port with a password: the
 * password form and an ACL user work from the connection string alone, a wrong password is refused, and rediss://
 * reaches a TLS port whose certificate {@code redis.trust-file} names.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisCredentialsTest {
  static final String PASSWORD = "s3cret-redis-password";
  @TempDir Path dir;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** redis-server with {@code args}, stopped by the caller; waits until it answers. */
  static Process redis(Path dir, List<String> args, int port) throws Exception {
    List<String> command = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
    Eventually.until(Duration.ofSeconds(10), "redis-server listening on " + port, () -> {
      if (!p.isAlive()) throw new AssertionError("redis-server died: " + java.nio.file.Files.readString(dir.resolve("redis-" + port + ".log")));
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return true;
      }
    });
    return p;
  }

  static RedisResponseCache cache(Vertx vertx, String url, String trustFile) {
    return new RedisResponseCache(vertx, url, 2, 60, "t:", 0, trustFile);
  }

  @Test
  void aPasswordAndAnAclUserInTheUrlAreUsedAndAWrongOneIsRefused(Vertx vertx) throws Exception {
    int port = freePort();
    Process server = redis(dir, List.of("--port", Integer.toString(port), "--requirepass", PASSWORD), port);
    try {
      RedisResponseCache withPassword = cache(vertx, "redis://:" + PASSWORD + "@127.0.0.1:" + port, null);
      withPassword.put("k", "f", "v").await(5, TimeUnit.SECONDS);
      assertThat(withPassword.get("k", "f").await(5, TimeUnit.SECONDS)).isEqualTo("v");

      RedisAPI admin = RedisAPI.api(Redis.createClient(vertx, "redis://:" + PASSWORD + "@127.0.0.1:" + port));
      admin.acl(List.of("SETUSER", "recserve", "on", ">user-password-123", "~t:*", "+@all")).await(5, TimeUnit.SECONDS);
      RedisResponseCache asUser = cache(vertx, "redis://recserve:user-password-123@127.0.0.1:" + port, null);
      assertThat(asUser.get("k", "f").await(5, TimeUnit.SECONDS)).isEqualTo("v");

      assertThatThrownBy(() -> cache(vertx, "redis://:wrong-password@127.0.0.1:" + port, null).get("k", "f").await(5, TimeUnit.SECONDS))
          .hasMessageContaining("WRONGPASS");
      assertThatThrownBy(() -> cache(vertx, "redis://127.0.0.1:" + port, null).get("k", "f").await(5, TimeUnit.SECONDS))
          .hasMessageContaining("NOAUTH");
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void redissReachesATlsPortTrustedThroughTheTrustFile(Vertx vertx) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    int port = freePort();
    Process server = redis(dir, List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", cert.certificatePath(),
        "--tls-key-file", cert.privateKeyPath(), "--tls-ca-cert-file", cert.certificatePath(), "--tls-auth-clients", "no",
        "--requirepass", PASSWORD), port);
    try {
      RedisResponseCache tls = cache(vertx, "rediss://:" + PASSWORD + "@localhost:" + port, cert.certificatePath());
      tls.put("k", "f", "over TLS").await(5, TimeUnit.SECONDS);
      assertThat(tls.get("k", "f").await(5, TimeUnit.SECONDS)).isEqualTo("over TLS");
      assertThatThrownBy(() -> cache(vertx, "redis://:" + PASSWORD + "@localhost:" + port, null).get("k", "f").await(5, TimeUnit.SECONDS))
          .as("plain text to the TLS port").isNotNull();
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      cert.delete();
    }
  }
}

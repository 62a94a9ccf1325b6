package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.serving.PgSettings;
import io.recserve.testing.Eventually;
import io.recserve.testing.TcpProxy;
import io.recserve.testing.TestModels;
import io.recserve.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started while PostgreSQL is unreachable, run as its own JVM as a supervisor runs it: it answers
 * {@code /health-check} and explains in {@code /ready} what it waits for, retries with a log line per attempt, and
 * serves once PostgreSQL is back; or, after {@code pg.startup-timeout-ms}, exits 1 with one line and no stack trace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgStartupTest {
  @TempDir Path dir;
  private Vertx vertx;
  private WebClient web;
  private Process process;

  @BeforeEach
  void client() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
  }

  @AfterEach
  void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** {@code serve} in its own JVM, stdout and stderr in separate files, RECSERVE_* taken from {@code env} only. */
  private Process serve(Map<String, String> env, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(NodeProcess.JVM_FLAGS);
    command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Recserve.class.getName(), "serve"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out.log").toFile()).redirectError(dir.resolve("err.log").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("RECSERVE_"));
    builder.environment().putAll(env);
    builder.environment().put("RECSERVE_DATA_DIR", dir.resolve("data").toString());
    return builder.start();
  }

  private String out() throws IOException {
    return Files.readString(dir.resolve("out.log"));
  }

  private String err() throws IOException {
    return Files.readString(dir.resolve("err.log"));
  }

  private HttpResponse<Buffer> get(int port, String path) throws Exception {
    return web.get(port, "127.0.0.1", path).send().await(5, TimeUnit.SECONDS);
  }

  /** {@code url} with its host and port replaced by 127.0.0.1:{@code port} (the proxy in front of it). */
  private static String through(String url, int port) {
    PgSettings pg = PgSettings.parse(url, "public");
    var o = pg.options();
    return "postgresql://" + o.getUser() + (pg.hasPassword() ? ":" + o.getPassword() : "") + "@127.0.0.1:" + port + "/" + o.getDatabase();
  }

  @Test
  void waitsForPostgresWhileHealthyAndNotReadyThenServesOnceItIsBack() throws Exception {
    String url = TestServices.postgresUrl();
    String schema = TestServices.freshSchema();
    PgModelRepository repo = new PgModelRepository(url, schema);
    repo.migrate();
    repo.makeCurrent(repo.saveModel(TestModels.random(20, 40, 8, 7)));
    PgSettings target = PgSettings.parse(url, schema);
    int proxyPort = freePort();
    TcpProxy proxy = new TcpProxy(vertx, proxyPort, target.options().getHost(), target.options().getPort());
    proxy.start().compose(v -> proxy.cut()).await(5, TimeUnit.SECONDS); // the outage: connections to it are refused
    int port = freePort();
    int adminPort = freePort(); // the detailed readiness is on the management listener; the public /ready says UP or DOWN
    process = serve(Map.of("RECSERVE_PG_URL", through(url, proxyPort), "RECSERVE_PG_SCHEMA", schema, "RECSERVE_HTTP_PORT", Integer.toString(port),
        "RECSERVE_ADMIN_PORT", Integer.toString(adminPort), "RECSERVE_PG_STARTUP_TIMEOUT_MS", "60000", "RECSERVE_MODEL_POLL_INTERVAL_MS", "500"));

    Eventually.until(Duration.ofSeconds(20), "health while PostgreSQL is unreachable", () -> {
      if (!process.isAlive()) throw new AssertionError("the node exited with " + process.exitValue() + ":\n" + out() + err());
      return get(port, "/health-check").statusCode() == 200;
    });
    String display = "postgresql://" + target.options().getUser() + (target.hasPassword() ? ":***" : "") + "@127.0.0.1:" + proxyPort + "/"
        + target.options().getDatabase();
    Eventually.until(Duration.ofSeconds(10), "/ready saying it waits for PostgreSQL, after a retry", () -> {
      assertThat(get(port, "/ready").statusCode()).isEqualTo(503);
      HttpResponse<Buffer> ready = get(adminPort, "/ready");
      if (ready.statusCode() != 503) return false;
      JsonObject store = check(ready.bodyAsJsonObject(), "store");
      String reason = store.getJsonObject("data").getString("reason");
      java.util.regex.Matcher attempt = java.util.regex.Pattern.compile("\\(attempt (\\d+), next in [0-9.]+ s\\)$").matcher(reason);
      return store.getString("status").equals("DOWN") && reason.startsWith("waiting for PostgreSQL at " + display) && attempt.find()
          && Integer.parseInt(attempt.group(1)) >= 2;
    });
    assertThat(err()).contains("PostgreSQL at " + display + " (schema " + schema + ") is unreachable (attempt 1");

    proxy.start().await(5, TimeUnit.SECONDS); // PostgreSQL is back
    Eventually.until(Duration.ofSeconds(25), "ready once PostgreSQL is back", () -> {
      if (!process.isAlive()) throw new AssertionError("the node exited:\n" + out() + err());
      return get(port, "/ready").statusCode() == 200;
    });
    JsonObject ready = get(adminPort, "/ready").bodyAsJsonObject();
    assertThat(check(ready, "store").getString("status")).isEqualTo("UP");
    var answer = web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer("{\"user_id\": 3, \"cutoff\": 5}")).await(5, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    assertThat(answer.bodyAsJsonObject().getJsonArray("recommendations")).hasSize(5);
    assertThat(out()).contains("Recserve is serving on http://localhost:" + port);
  }

  private static JsonObject check(JsonObject ready, String id) {
    return ready.getJsonArray("checks").stream().map(JsonObject.class::cast).filter(c -> c.getString("id").equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + id + " in " + ready.encode()));
  }

  @Test
  void aShortStartupTimeoutEndsWithOneClearLineAndNoStackTrace() throws Exception {
    int closed = freePort(); // nothing listens there
    long started = System.nanoTime();
    process = serve(Map.of("RECSERVE_PG_URL", "postgresql://recserve:secret@127.0.0.1:" + closed + "/test", "RECSERVE_HTTP_PORT",
        Integer.toString(freePort()), "RECSERVE_PG_STARTUP_TIMEOUT_MS", "3000"));
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the node gave up").isTrue();
    long millis = (System.nanoTime() - started) / 1_000_000;
    String err = err();
    String all = out() + err;
    assertThat(process.exitValue()).as(all).isEqualTo(1);
    assertThat(millis).as(all).isGreaterThanOrEqualTo(3000);
    String display = "postgresql://recserve:***@127.0.0.1:" + closed + "/test";
    List<String> lines = err.lines().toList();
    assertThat(lines).as(all).filteredOn(l -> l.contains("is unreachable (attempt ")).hasSizeGreaterThanOrEqualTo(2)
        .allMatch(l -> l.contains("PostgreSQL at " + display));
    assertThat(lines.get(lines.size() - 1)).as(all).startsWith("recserve serve failed: PostgreSQL at " + display + " was not reachable within 3 s");
    assertThat(lines).as(all).noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by") || l.contains("Exception"));
    assertThat(all).doesNotContain("secret");
  }
}

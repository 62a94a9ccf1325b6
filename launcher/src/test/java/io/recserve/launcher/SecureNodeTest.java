package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.RecserveConfig;
import io.recserve.model.store.FileModelRepository;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole node in this JVM, as shipped: closed by default (every listener on loopback), and with keys set, the public
 * routes behind API keys and the management listener on its own port behind an admin key, where models are listed,
 * published and rolled back, each action audited.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecureNodeTest {
  static final String READ = "reader-key-0123456789abcdef";
  static final String WRITE = "writer-key-0123456789abcdef";
  static final String ADMIN = "admin-key-0123456789abcdef";
  private static Vertx client;
  private static WebClient web;
  @TempDir Path dir;

  @BeforeAll
  static void client() {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void close() {
    client.close().await();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The shipped configuration, untouched but for free ports and this test's data folder (two versions stored, 1 current). */
  JsonObject shipped() throws Exception {
    JsonObject config = RecserveConfig.load(client, null, false).await(10, TimeUnit.SECONDS);
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    long v1 = repo.saveModel(TestModels.random(30, 200, 8, 1));
    repo.saveModel(TestModels.random(30, 200, 8, 2));
    repo.makeCurrent(v1);
    config.getJsonObject("data").put("dir", dir.resolve("data").toString());
    config.getJsonObject("http").put("port", freePort());
    config.getJsonObject("admin").put("port", 0);
    config.getJsonObject("model").put("poll-interval-ms", 200);
    return config;
  }

  static HttpResponse<Buffer> call(int port, HttpMethod method, String path, String key) throws Exception {
    HttpRequest<Buffer> r = web.request(method, port, "127.0.0.1", path).timeout(15_000);
    if (key != null) r.putHeader("authorization", "Bearer " + key);
    if (method == HttpMethod.POST && path.equals("/recommend")) {
      return r.putHeader("content-type", "application/json").sendBuffer(Buffer.buffer("{\"user_id\": 1}")).await(20, TimeUnit.SECONDS);
    }
    return r.send().await(20, TimeUnit.SECONDS);
  }

  /** 127.0.0.1, ::ffff:127.0.0.1 or ::1, as /proc/net/tcp and tcp6 write them. */
  static boolean loopback(String address) {
    return address.equals("0100007F") || address.equals("0000000000000000FFFF00000100007F") || address.equals("00000000000000000000000001000000");
  }

  /** The local addresses of the TCP sockets listening on {@code port} (Linux: /proc/net/tcp and tcp6). */
  static List<String> listening(int port) throws Exception {
    List<String> found = new ArrayList<>();
    for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(file);
      if (!Files.isReadable(p)) continue;
      List<String> lines = Files.readAllLines(p); // read once: the table changes all the time
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (f[3].equals("0A") && Integer.parseInt(local[1], 16) == port) found.add(local[0]);
      }
    }
    return found;
  }

  @Test
  void aDefaultNodeListensOnLoopbackOnly() throws Exception {
    JsonObject config = shipped();
    config.getJsonObject("bridge").put("enabled", true).put("port", freePort());
    assertThat(config.getJsonObject("http").getString("host")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("admin").getString("host")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("bridge").getString("host")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("cluster").getString("host")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("security").getString("api-keys")).isEmpty();
    RecserveNode node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    try {
      int[] ports = {config.getJsonObject("http").getInteger("port"), node.adminPort(), config.getJsonObject("bridge").getInteger("port")};
      for (int port : ports) {
        if (!Files.isReadable(Path.of("/proc/net/tcp"))) break;
        // 127.0.0.1 (or ::ffff:127.0.0.1, ::1) as /proc/net/tcp* write it; never 0.0.0.0 / :: (every interface) or another address.
        assertThat(listening(port)).as("sockets listening on port %d", port).isNotEmpty().allMatch(SecureNodeTest::loopback);
      }
      assertThat(call(ports[0], HttpMethod.GET, "/metrics", null).statusCode()).as("no metrics on the public port").isEqualTo(404);
      HttpResponse<Buffer> ready = call(ports[0], HttpMethod.GET, "/ready", null);
      Eventually.until(Duration.ofSeconds(30), "ready", () -> call(ports[0], HttpMethod.GET, "/ready", null).statusCode() == 200);
      assertThat(call(ports[0], HttpMethod.GET, "/ready", null).bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
      assertThat(ready.getHeader("access-control-allow-origin")).as("no CORS").isNull();
      assertThat(call(ports[1], HttpMethod.GET, "/metrics", null).bodyAsString()).contains("recserve_http_response_time_seconds_count");
      bridgeClientFaultsLogNoError(ports[2]);
      chunkedRequestsCloseTheirConnection(ports[0]);
    } finally {
      node.stop().await(40, TimeUnit.SECONDS);
    }
  }

  /**
   * Found by a review: a bridge client that sent a frame that is no JSON, or reset its connection, made Vert.x's bridge
   * log an ERROR (the reset with a stack trace), a log any client of the port could fill. The frame is answered
   * {@code invalid_json} (and the ping after it still is), and nothing is logged as an error.
   */
  private static void bridgeClientFaultsLogNoError(int port) throws Exception {
    String log = io.recserve.testing.NodeLog.during(() -> {
      for (List<String> frames : List.of(List.of("this is no JSON", "{\"type\": \"ping\"}"), List.of("{\"type\": \"ping\"}"))) {
        // the second connection's ping is answered after the node has seen the first one's reset
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
          socket.setSoTimeout(5000);
          java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
          for (String frame : frames) {
            byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
          }
          java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
          for (String expected : frames.size() == 2 ? List.of("invalid_json", "pong") : List.of("pong")) {
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            assertThat(new String(answer, StandardCharsets.UTF_8)).contains(expected);
          }
          socket.setSoLinger(true, 0); // closed with a reset
        }
      }
    });
    assertThat(log).doesNotContain("ERROR");
  }

  /**
   * Found by a hostile run on a running node: a chunked request (here with a Content-Length beside it, the request
   * after it smuggled past a proxy going by the length) was answered with "Connection: close" but its connection kept,
   * so the next request was answered too. The close was set as the response's end handler, which vertx-web replaces
   * once metrics are on, as on every node and in no unit test.
   */
  private static void chunkedRequestsCloseTheirConnection(int port) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("POST /recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
          + "Transfer-Encoding: chunked\r\n\r\nd\r\n{\"user_id\":1}\r\n0\r\n\r\nGET /health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to the end: closed
      assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").contains("recommendations")
          .doesNotContain("\"status\":\"ok\"");
    }
  }

  @Test
  void withKeysThePublicRoutesAndTheManagementListenerAreGuardedAndModelActionsAudited() throws Exception {
    JsonObject config = shipped();
    config.getJsonObject("security").put("api-keys", "shop:read:" + READ + ",etl:write:" + WRITE).put("admin-keys", "ops-anna:admin:" + ADMIN);
    RecserveNode node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try {
      int http = config.getJsonObject("http").getInteger("port");
      int admin = node.adminPort();
      assertThat(admin).isNotEqualTo(http).isPositive();
      Eventually.until(Duration.ofSeconds(30), "ready (no key needed)", () -> call(http, HttpMethod.GET, "/ready", null).statusCode() == 200);
      assertThat(call(http, HttpMethod.GET, "/health-check", null).statusCode()).isEqualTo(200);
      assertThat(call(http, HttpMethod.POST, "/recommend", null).statusCode()).isEqualTo(401);
      assertThat(call(http, HttpMethod.POST, "/recommend", READ).statusCode()).isEqualTo(200);
      assertThat(call(http, HttpMethod.DELETE, "/users/1", READ).statusCode()).isEqualTo(403);
      assertThat(call(http, HttpMethod.DELETE, "/users/1", WRITE).statusCode()).isEqualTo(200);
      assertThat(call(http, HttpMethod.GET, "/admin/models", ADMIN).statusCode()).as("an admin key is no key on the public port").isEqualTo(403);

      // The management listener: an admin key, and only that.
      for (String path : List.of("/metrics", "/ready", "/analytics/summary", "/admin/models")) {
        HttpResponse<Buffer> none = call(admin, HttpMethod.GET, path, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.getHeader("www-authenticate")).isEqualTo("Bearer");
        assertThat(call(admin, HttpMethod.GET, path, WRITE).statusCode()).isEqualTo(403);
        assertThat(call(admin, HttpMethod.GET, path, ADMIN).statusCode()).as(path).isEqualTo(200);
      }
      JsonObject detail = call(admin, HttpMethod.GET, "/ready", ADMIN).bodyAsJsonObject();
      assertThat(detail.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id"))).contains("model", "analytics");
      assertThat(call(admin, HttpMethod.GET, "/analytics/summary?window=999999999", ADMIN).statusCode()).isEqualTo(400);
      assertThat(call(admin, HttpMethod.GET, "/analytics/summary?top=101", ADMIN).statusCode()).isEqualTo(400);

      JsonObject models = call(admin, HttpMethod.GET, "/admin/models", ADMIN).bodyAsJsonObject();
      assertThat(models.getLong("current")).isEqualTo(1);
      JsonArray versions = models.getJsonArray("versions");
      assertThat(versions).hasSize(2);
      assertThat(versions.getJsonObject(0).getBoolean("current")).isTrue();
      assertThat(versions.getJsonObject(0).fieldNames()).contains("model_version", "model_id", "params", "created_at", "evaluation", "current");

      System.setErr(new PrintStream(new TeeStream(log, err), true, StandardCharsets.UTF_8));
      assertThat(call(admin, HttpMethod.POST, "/admin/models/9/publish", ADMIN).statusCode()).isEqualTo(404);
      HttpResponse<Buffer> published = call(admin, HttpMethod.POST, "/admin/models/2/publish", ADMIN);
      assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(200);
      assertThat(published.bodyAsJsonObject().getLong("previous_version")).isEqualTo(1);
      assertThat(call(admin, HttpMethod.GET, "/admin/models", ADMIN).bodyAsJsonObject().getLong("current")).isEqualTo(2);
      assertThat(call(admin, HttpMethod.POST, "/admin/models/1/publish", WRITE).statusCode()).isEqualTo(403);
      HttpResponse<Buffer> rolledBack = call(admin, HttpMethod.POST, "/admin/models/rollback", ADMIN);
      assertThat(rolledBack.statusCode()).isEqualTo(200);
      assertThat(rolledBack.bodyAsJsonObject().getLong("model_version")).isEqualTo(1);
      assertThat(call(admin, HttpMethod.POST, "/admin/models/rollback", ADMIN).statusCode()).as("nothing older than 1").isEqualTo(409);
      System.setErr(err);
      String audit = log.toString(StandardCharsets.UTF_8);
      assertThat(audit.lines().filter(l -> l.contains(" audit - "))).as(audit)
          .anyMatch(l -> l.contains("who=ops-anna") && l.contains("publish model version 2") && l.contains("ok: version 2 is current") && l.contains(" at=20"))
          .anyMatch(l -> l.contains("who=ops-anna") && l.contains("roll back") && l.contains("ok: version 1 is current"))
          .anyMatch(l -> l.contains("who=etl") && l.contains("refused: 403"))
          .anyMatch(l -> l.contains("who=ops-anna") && l.contains("publish model version 9") && l.contains("failed"));
      assertThat(audit).doesNotContain(ADMIN, WRITE, READ);
      // Serving follows the store's current version.
      Eventually.until(Duration.ofSeconds(30), "version 1 served again", () -> call(admin, HttpMethod.GET, "/ready", ADMIN).bodyAsJsonObject()
          .getJsonArray("checks").stream().map(JsonObject.class::cast).filter(c -> c.getString("id").equals("model")).findFirst()
          .orElseThrow().getJsonObject("data").getLong("serving_version") == 1);
    } finally {
      System.setErr(err);
      node.stop().await(40, TimeUnit.SECONDS);
    }
  }

  /** Writes to two streams. */
  static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }
  }
}

package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.security.ApiKeys;
import io.recserve.testing.Eventually;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** API keys on the public routes (401, 403, 429, rotation), and the connection bound; the HTTP verticle alone. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublicPortSecurityTest {
  /** Every answer a test receives through {@link #watched} is checked against openapi.yaml after the test. */
  private OpenApiCheck document;

  private WebClient watched(Vertx vertx) throws Exception {
    return watched(vertx, new io.vertx.ext.web.client.WebClientOptions());
  }

  private WebClient watched(Vertx vertx, io.vertx.ext.web.client.WebClientOptions options) throws Exception {
    if (document == null) document = OpenApiCheck.load(vertx);
    return document.watch(WebClient.create(vertx, options));
  }

  @org.junit.jupiter.api.AfterEach
  void answersKeptTheDocument() {
    if (document != null) document.assertConforming();
  }

  static final String READ_KEY = "read-key-0123456789abcdef";
  static final String WRITE_KEY = "write-key-0123456789abcdef";
  static final ModelRef V4 = new ModelRef(4, "0b9d3c38-8f3e-4f7e-8d51-54d2a8e6f004");
  @TempDir Path dir;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static JsonObject config(int port, JsonObject security) {
    return new JsonObject().put("http", new JsonObject().put("port", port).put("host", "127.0.0.1"))
        .put("eventbus", new JsonObject().put("timeout-ms", StubNodes.BUS_TIMEOUT_MS)).put("model", new JsonObject().put("poll-interval-ms", StubNodes.POLL_MS))
        .put("analytics", new JsonObject().put("batch-age-ms", 20).put("stop-timeout-ms", 200))
        .put("security", security);
  }

  /** Embedding knows users below 10; the ANN node answers; heartbeats for both. */
  static void stubs(Vertx vertx) {
    vertx.eventBus().consumer(Addresses.onNode(Addresses.EMBEDDING_USER, "stub-e"), m -> {
      int user = UserEmbeddingRequest.of(m.body()).userId();
      m.reply(user < 10 ? new UserEmbeddingReply(user, V4, true, new float[] {1, 2}, new int[] {1}) : UserEmbeddingReply.unknown(user, V4));
    });
    vertx.eventBus().consumer(Addresses.onNode(Addresses.ANN_SEARCH, "stub-a"), m -> m.reply(new io.recserve.contract.NeighbourSearchReply(V4, "stub-a", "[]", new int[0], new float[0])));
    vertx.eventBus().consumer(Addresses.FEEDBACK_RECORD, m -> {
      var f = io.recserve.contract.FeedbackRequest.of(m.body());
      m.reply(new JsonObject().put("seq", 1).put("user_id", f.userId()).put("movie_id", f.movieId()).put("rating", f.rating()).put("time", 1700000000L));
    });
    vertx.eventBus().consumer(Addresses.FEEDBACK_FORGET, m -> m.reply(new JsonObject().put("forgotten", 0)));
    vertx.setPeriodic(1, 200, id -> {
      vertx.eventBus().publish(Addresses.HEARTBEAT, new NodeHeartbeat("embedding", "stub-e", true, V4, null, null).toJson());
      vertx.eventBus().publish(Addresses.HEARTBEAT, new NodeHeartbeat("ann", "stub-a", true, V4, null, null).toJson());
    });
  }

  static HttpResponse<Buffer> send(WebClient web, int port, HttpMethod method, String path, String key, String body) throws Exception {
    HttpRequest<Buffer> request = web.request(method, port, "127.0.0.1", path);
    if (key != null) request.putHeader("authorization", "Bearer " + key);
    if (body == null) return request.send().await(5, TimeUnit.SECONDS);
    return request.putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(body)).await(5, TimeUnit.SECONDS);
  }

  static void assertRefused(HttpResponse<Buffer> r, int status, String error) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(error);
    assertThat(r.bodyAsJsonObject().getString("message")).isNotBlank();
    if (status == 401) assertThat(r.getHeader("www-authenticate")).isEqualTo("Bearer");
  }

  @Test
  void keysGuardEveryRouteButHealthAndReadinessAndAReadKeyCannotWrite(Vertx vertx) throws Exception {
    int port = freePort();
    String writeDigest = HexFormat.of().formatHex(ApiKeys.sha256(WRITE_KEY));
    JsonObject security = new JsonObject().put("api-keys", "app:read:" + READ_KEY + ", etl:write:sha256:" + writeDigest);
    stubs(vertx);
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config(port, security))).await(5, TimeUnit.SECONDS);
    WebClient web = watched(vertx);
    String recommend = "{\"user_id\": 3}";
    String feedback = "{\"user_id\": 3, \"movie_id\": 5, \"rating\": 4}";

    assertThat(send(web, port, HttpMethod.GET, "/health-check", null, null).statusCode()).isEqualTo(200);
    Eventually.until(Duration.ofSeconds(5), "ready without a key", () -> send(web, port, HttpMethod.GET, "/ready", null, null).statusCode() == 200);
    for (String[] route : new String[][] {{"POST", "/recommend", recommend}, {"POST", "/recommend/batch", "{\"requests\": [" + recommend + "]}"},
        {"GET", "/movies/5/similar", null}, {"GET", "/openapi.yaml", null}, {"POST", "/feedback", feedback}, {"DELETE", "/users/3", null},
        {"DELETE", "/users/3/ratings/5", null}, {"GET", "/nowhere", null}}) {
      HttpMethod method = HttpMethod.valueOf(route[0]);
      assertRefused(send(web, port, method, route[1], null, route[2]), 401, "unauthorized");
      assertRefused(send(web, port, method, route[1], "not-a-key-0123456789", route[2]), 401, "unauthorized");
    }
    HttpResponse<Buffer> lowerCase = web.post(port, "127.0.0.1", "/recommend").putHeader("authorization", "bearer " + READ_KEY)
        .putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(recommend)).await(5, TimeUnit.SECONDS);
    assertThat(lowerCase.statusCode()).as(lowerCase.bodyAsString()).isEqualTo(200);
    assertThat(send(web, port, HttpMethod.POST, "/recommend", READ_KEY, recommend).statusCode()).isEqualTo(200);
    assertThat(send(web, port, HttpMethod.GET, "/openapi.yaml", READ_KEY, null).statusCode()).isEqualTo(200);
    assertRefused(send(web, port, HttpMethod.POST, "/feedback", READ_KEY, feedback), 403, "forbidden");
    assertRefused(send(web, port, HttpMethod.DELETE, "/users/3", READ_KEY, null), 403, "forbidden");
    assertRefused(send(web, port, HttpMethod.DELETE, "/users/3/ratings/5", READ_KEY, null), 403, "forbidden");
    // The write key (given by its digest) may do both.
    assertThat(send(web, port, HttpMethod.POST, "/recommend", WRITE_KEY, recommend).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> written = send(web, port, HttpMethod.POST, "/feedback", WRITE_KEY, feedback);
    assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(201);
    assertThat(send(web, port, HttpMethod.DELETE, "/users/3", WRITE_KEY, null).statusCode()).isEqualTo(200);
    assertThat(send(web, port, HttpMethod.GET, "/nowhere", READ_KEY, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aKeyBeyondItsRateGets429WithRetryAfter(Vertx vertx) throws Exception {
    int port = freePort();
    JsonObject security = new JsonObject().put("api-keys", "app:read:" + READ_KEY + ",other:read:" + WRITE_KEY)
        .put("rate-limit", new JsonObject().put("read-per-second", 0.5).put("burst-seconds", 6));
    stubs(vertx);
    // Two instances: the node's bucket is shared by both.
    vertx.deployVerticle(HttpVerticle::new, new DeploymentOptions().setInstances(2).setConfig(config(port, security))).await(5, TimeUnit.SECONDS);
    WebClient web = watched(vertx);
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<Buffer> last = null;
    for (int i = 0; i < 5; i++) {
      last = send(web, port, HttpMethod.GET, "/openapi.yaml", READ_KEY, null);
      statuses.add(last.statusCode());
    }
    assertThat(statuses).containsExactly(200, 200, 200, 429, 429); // a burst of 0.5/s x 6 s = 3 requests
    assertRefused(last, 429, "rate_limited");
    assertThat(Integer.parseInt(last.getHeader("retry-after"))).isBetween(1, 2);
    assertThat(send(web, port, HttpMethod.GET, "/openapi.yaml", WRITE_KEY, null).statusCode()).as("another key has its own bucket").isEqualTo(200);
  }

  @Test
  void aChangedKeyFileIsPickedUpWithoutARestart(Vertx vertx) throws Exception {
    int port = freePort();
    Path file = dir.resolve("keys");
    Files.writeString(file, "# clients\nold:read:" + READ_KEY + "\n");
    JsonObject security = new JsonObject().put("api-key-file", file.toString()).put("key-file-check-ms", 100);
    stubs(vertx);
    vertx.deployVerticle(HttpVerticle::new, new DeploymentOptions().setInstances(2).setConfig(config(port, security))).await(5, TimeUnit.SECONDS);
    // A connection per request: connections go to the two instances in turn, so the check below sees both. Over one
    // kept-alive connection it saw one, and the other could read the broken file before the new one (a failed CI run).
    WebClient web = watched(vertx, new io.vertx.ext.web.client.WebClientOptions().setKeepAlive(false));
    assertThat(send(web, port, HttpMethod.GET, "/openapi.yaml", READ_KEY, null).statusCode()).isEqualTo(200);
    assertThat(send(web, port, HttpMethod.GET, "/openapi.yaml", WRITE_KEY, null).statusCode()).isEqualTo(401);

    replace(file, "new:write:" + WRITE_KEY + "\n");
    Eventually.until(Duration.ofSeconds(5), "the new key accepted and the old one refused, on every instance", () -> {
      for (int i = 0; i < 4; i++) {
        if (send(web, port, HttpMethod.GET, "/openapi.yaml", WRITE_KEY, null).statusCode() != 200) return false;
        if (send(web, port, HttpMethod.GET, "/openapi.yaml", READ_KEY, null).statusCode() != 401) return false;
      }
      return true;
    });
    // A broken file keeps the keys in force.
    replace(file, "broken line without a role\n");
    long until = System.nanoTime() + 600_000_000L; // several reads of the file
    while (System.nanoTime() < until) assertThat(send(web, port, HttpMethod.GET, "/openapi.yaml", WRITE_KEY, null).statusCode()).isEqualTo(200);
  }

  /** As the README tells operators: a new file renamed over the old one, never caught half-written (KeyRingTest covers that). */
  private static void replace(Path file, String text) throws java.io.IOException {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, text);
    Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void withAKeyAndACertificateThePublicPortSpeaksTlsOnly(Vertx vertx) throws Exception {
    io.vertx.core.net.SelfSignedCertificate cert = io.vertx.core.net.SelfSignedCertificate.create("localhost");
    int port = freePort();
    JsonObject config = config(port, new JsonObject());
    config.getJsonObject("http").put("tls", new JsonObject().put("key-file", cert.privateKeyPath()).put("cert-file", cert.certificatePath()));
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    WebClient https = WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions().setSsl(true).setTrustOptions(cert.trustOptions())
        .setVerifyHost(true));
    HttpResponse<Buffer> health = https.get(port, "localhost", "/health-check").send().await(5, TimeUnit.SECONDS);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(https.get(port, "localhost", "/ready").send().await(5, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
    // Plain HTTP gets no answer.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebClient.create(vertx).get(port, "127.0.0.1", "/health-check").timeout(2000)
        .send().await(5, TimeUnit.SECONDS)).isNotNull();
    // A key file that is not there stops the start, naming the setting.
    config.getJsonObject("http").put("port", freePort()).getJsonObject("tls").put("key-file", dir.resolve("missing.pem").toString());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config))
        .await(5, TimeUnit.SECONDS)).hasMessageContaining("http.tls.key-file");
    cert.delete();
  }

  @Test
  void connectionsBeyondTheBoundGet503AndAreClosed(Vertx vertx) throws Exception {
    int port = freePort();
    JsonObject config = config(port, new JsonObject());
    config.getJsonObject("http").put("max-connections", 2);
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    List<NetSocket> held = new ArrayList<>();
    // One client, kept to the end: Vert.x closes a client it finds unreachable, and with it what its connections do.
    io.vertx.core.net.NetClient client = vertx.createNetClient();
    for (int i = 0; i < 2; i++) {
      NetSocket socket = client.connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
      socket.write("GET /health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); // answered; the connection stays open (keep-alive)
      held.add(socket);
    }
    io.recserve.security.ConnectionLimit limit = io.recserve.security.ConnectionLimit.shared(vertx, "http", 2);
    Eventually.until(Duration.ofSeconds(10), "two connections counted", () -> limit.open() == 2);
    WebClient web = watched(vertx);
    HttpResponse<Buffer> refused = web.get(port, "127.0.0.1", "/health-check").send().await(5, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    assertThat(refused.getHeader("retry-after")).isEqualTo("1");
    for (NetSocket s : held) s.close().await(5, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(5), "served again once connections closed",
        () -> web.get(port, "127.0.0.1", "/health-check").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
    client.close().await(5, TimeUnit.SECONDS);
  }
}

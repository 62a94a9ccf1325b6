package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.NodeIdentity;
import io.recserve.testing.Eventually;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing internal on the public port: the failure cases of every public route (bad input, missing verticles, silent
 * ones, verticles failing with internal text, unknown routes and methods, oversized and mistyped bodies, refused keys)
 * and every body scanned for file paths, host names, node ids, stack lines and class or exception names.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeakScanTest {
  /** Every answer a test receives through {@link #watched} is checked against openapi.yaml after the test. */
  private OpenApiCheck document;

  private WebClient watched(Vertx vertx) throws Exception {
    if (document == null) document = OpenApiCheck.load(vertx);
    return document.watch(WebClient.create(vertx));
  }

  @org.junit.jupiter.api.AfterEach
  void answersKeptTheDocument() {
    if (document != null) document.assertConforming();
  }

  static final ModelRef V4 = new ModelRef(4, "0b9d3c38-8f3e-4f7e-8d51-54d2a8e6f004");
  /** What a failing verticle might say: a path, a host, an exception, a stack line, a node id. */
  static final String INTERNAL = "java.lang.IllegalStateException: /var/lib/recserve/data/index-7 on db-7.internal (10.1.2.3:5432) "
      + "from 4242@node-7-abcd\n\tat io.recserve.ann.MovieIndex.search(MovieIndex.java:88)";

  private final List<String[]> seen = new ArrayList<>(); // {request, status, body}

  private static final List<Pattern> LEAKS = List.of(
      Pattern.compile("(^|[^A-Za-z0-9])/(tmp|work|home|usr|var|etc|opt|root|proc|app|data|lib)/"), // file paths
      Pattern.compile("[A-Za-z]:\\\\"),                                 // Windows paths
      Pattern.compile("\\d+@[A-Za-z0-9.-]+"),                           // pid@host node ids
      Pattern.compile("\\bat (io|java|jdk|sun|com|org)\\."),            // stack lines
      Pattern.compile("Exception|Throwable|\\bError\\b"),               // exception names
      Pattern.compile("io\\.recserve\\.|io\\.vertx\\.|io\\.netty\\.|java\\.(lang|util|io|net)\\.|com\\.fasterxml\\."), // class names
      Pattern.compile("\\b(\\d{1,3}\\.){3}\\d{1,3}\\b"),                // IP addresses
      Pattern.compile("`[A-Za-z]+\\.[A-Za-z_]+"),                      // a parser's setting or method named in backquotes
      // the test's node and host names, as whole words: a request id (a version 7 UUID, "...-2fdb-72d9-...") once matched "db-7"
      Pattern.compile("\\b(stub-[ae]|node-7|db-7)\\b"));

  private void record(String what, HttpResponse<Buffer> r) {
    seen.add(new String[] {what, Integer.toString(r.statusCode()), r.bodyAsString() == null ? "" : r.bodyAsString()});
  }

  private HttpResponse<Buffer> call(WebClient web, int port, HttpMethod method, String path, String type, String body) throws Exception {
    HttpRequest<Buffer> request = web.request(method, port, "127.0.0.1", path).timeout(5000);
    if (type != null) request.putHeader("content-type", type);
    HttpResponse<Buffer> r = body == null ? request.send().await(5, TimeUnit.SECONDS) : request.sendBuffer(Buffer.buffer(body)).await(5, TimeUnit.SECONDS);
    record(method + " " + path + (body == null ? "" : " " + (body.length() > 60 ? body.substring(0, 60) + "..." : body)), r);
    return r;
  }

  /** Every public route's failure cases. */
  private void failures(WebClient web, int port) throws Exception {
    String json = "application/json";
    for (String body : List.of("{bad", "{\"user_id\": 1", "[1]", "", "\"text\"", "{}", "{\"user_id\": null}", "{\"user_id\": \"1\"}",
        "{\"user_id\": 1.5}", "{\"user_id\": 99999999999}", "{\"user_id\": 1, \"cutoff\": 0}", "{\"user_id\": 1, \"cutoff\": {}}",
        "{\"user_id\": 1, \"ratings\": []}", "{\"ratings\": [{\"movie_id\": 1}]}", "{\"ratings\": \"x\"}", "{\"user_id\": 1, \"genres\": [1]}",
        "{\"user_id\": 1, \"fallback\": true}", "{\"user_id\": 1, \"explain\": \"yes\"}", "{\"user_id\": 1, \"year_min\": 2000, \"year_max\": 1990}",
        "{\"user_id\": 1, \"exclude_movie_ids\": [\"a\"]}", "{\"user_id\": 3}", "{\"ratings\": [{\"movie_id\": 1, \"rating\": 4}]}",
        "{\"user_id\": 3, \"explain\": true, \"fallback\": \"popular\"}", "{\"user_id\": NaN}", "{\"user_id\": +1}", "[".repeat(1001),
        "{\"user_id\": " + "1".repeat(1001) + "}")) {
      call(web, port, HttpMethod.POST, "/recommend", json, body);
    }
    call(web, port, HttpMethod.POST, "/recommend", "text/plain", "{\"user_id\": 1}");
    call(web, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": 1}");
    call(web, port, HttpMethod.POST, "/recommend", json, "{\"user_id\": 1, \"pad\": \"" + "x".repeat(70_000) + "\"}");
    for (String body : List.of("{bad", "{}", "{\"requests\": 1}", "{\"requests\": []}", "{\"requests\": [1, {\"user_id\": \"x\"}, {\"user_id\": 3}]}",
        "{\"requests\": [" + "{\"user_id\": 1},".repeat(100) + "{\"user_id\": 1}]}")) {
      call(web, port, HttpMethod.POST, "/recommend/batch", json, body);
    }
    for (String path : List.of("/movies/abc/similar", "/movies/99999999999/similar", "/movies/5/similar?cutoff=0", "/movies/5/similar?cutoff=x",
        "/movies/5/similar?year_min=x", "/movies/5/similar?exclude_movie_ids=a,b", "/movies/5/similar", "/movies/7/similar?genres=Drama")) {
      call(web, port, HttpMethod.GET, path, null, null);
    }
    for (String body : List.of("{bad", "{}", "{\"user_id\": 1, \"movie_id\": 2}", "{\"user_id\": 1, \"movie_id\": 2, \"rating\": \"x\"}",
        "{\"user_id\": 1, \"movie_id\": 2, \"rating\": 4, \"time\": -1}", "{\"user_id\": 1, \"movie_id\": 2, \"rating\": 4}")) {
      call(web, port, HttpMethod.POST, "/feedback", json, body);
    }
    call(web, port, HttpMethod.POST, "/feedback", "text/xml", "<a/>");
    for (String path : List.of("/users/x", "/users/3", "/users/3/ratings/x", "/users/3/ratings/5")) call(web, port, HttpMethod.DELETE, path, null, null);
    for (String path : List.of("/nowhere", "/recommend/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/users", "/analytics/summary",
        "/metrics", "/admin/models", "/ready?verbose=true")) {
      call(web, port, HttpMethod.GET, path, null, null);
    }
    call(web, port, HttpMethod.PUT, "/recommend", json, "{}");
    call(web, port, HttpMethod.DELETE, "/recommend", null, null);
    call(web, port, HttpMethod.PATCH, "/feedback", json, "{}");
    call(web, port, HttpMethod.GET, "/health-check", null, null);
  }

  private void assertNoLeak() throws Exception {
    assertNoLeakIn();
    assertThat(seen.stream().map(s -> s[1]).distinct()).as("statuses seen").contains("400", "404", "405", "413", "415", "503");
  }

  private void assertNoLeakIn() throws Exception {
    List<Pattern> leaks = new ArrayList<>(LEAKS);
    leaks.add(Pattern.compile(Pattern.quote(NodeIdentity.id())));
    leaks.add(Pattern.compile(Pattern.quote(System.getProperty("user.dir"))));
    String host = InetAddress.getLocalHost().getHostName();
    if (host.length() > 2 && !host.equals("localhost")) leaks.add(Pattern.compile(Pattern.quote(host)));
    List<String> found = new ArrayList<>();
    for (String[] s : seen) {
      for (Pattern p : leaks) if (p.matcher(s[2]).find()) found.add(s[0] + " -> " + s[1] + " " + s[2] + "   [" + p + "]");
      if (!s[2].isEmpty()) {
        JsonObject body = s[2].startsWith("{") ? new JsonObject(s[2]) : null;
        assertThat(body).as("a JSON object from %s", s[0]).isNotNull();
      }
    }
    assertThat(found).as("bodies that leak internals").isEmpty();
  }

  static JsonObject config(int port) {
    return new JsonObject().put("http", new JsonObject().put("port", port).put("host", "127.0.0.1"))
        .put("eventbus", new JsonObject().put("timeout-ms", 250).put("retry-timeout-ms", 60)).put("model", new JsonObject().put("poll-interval-ms", StubNodes.POLL_MS))
        .put("analytics", new JsonObject().put("batch-age-ms", 20).put("stop-timeout-ms", 200));
  }

  @Test
  void noVerticleAtAll(Vertx vertx) throws Exception {
    int port = PublicPortSecurityTest.freePort();
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config(port))).await(5, TimeUnit.SECONDS);
    failures(watched(vertx), port);
    assertNoLeak();
  }

  @Test
  void silentVerticles(Vertx vertx) throws Exception {
    int port = PublicPortSecurityTest.freePort();
    heartbeats(vertx);
    for (String address : List.of(Addresses.EMBEDDING_USER, Addresses.EMBEDDING_FOLDIN, Addresses.ANN_SIMILAR, Addresses.ANN_SEARCH)) {
      vertx.eventBus().consumer(address, m -> { /* never answers */ });
      for (String node : List.of("stub-e", "stub-a")) vertx.eventBus().consumer(Addresses.onNode(address, node), m -> { });
    }
    for (String address : List.of(Addresses.FEEDBACK_RECORD, Addresses.FEEDBACK_FORGET, Addresses.CACHE_GET)) vertx.eventBus().consumer(address, m -> { });
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config(port))).await(5, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(5), "nodes heard", () -> WebClient.create(vertx).get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
    failures(watched(vertx), port);
    assertNoLeak();
  }

  @Test
  void verticlesFailingWithInternalText(Vertx vertx) throws Exception {
    int port = PublicPortSecurityTest.freePort();
    heartbeats(vertx);
    Map<String, Integer> codes = Map.of(Addresses.EMBEDDING_USER, FailureCodes.INTERNAL, Addresses.EMBEDDING_FOLDIN, FailureCodes.INVALID,
        Addresses.ANN_SIMILAR, FailureCodes.NOT_FOUND, Addresses.EMBEDDING_EXPLAIN, FailureCodes.BAD_MESSAGE,
        Addresses.EMBEDDING_POPULAR, FailureCodes.STORE_UNAVAILABLE, Addresses.ANN_SEARCH, FailureCodes.OVERLOADED);
    codes.forEach((address, code) -> {
      for (String node : List.of("stub-e", "stub-a")) vertx.eventBus().consumer(Addresses.onNode(address, node), m -> m.fail(code, INTERNAL));
      vertx.eventBus().consumer(address, m -> m.fail(code, INTERNAL));
    });
    vertx.eventBus().consumer(Addresses.FEEDBACK_RECORD, m -> m.fail(FailureCodes.STORE_UNAVAILABLE, INTERNAL));
    vertx.eventBus().consumer(Addresses.FEEDBACK_FORGET, m -> m.fail(FailureCodes.INTERNAL, INTERNAL));
    vertx.eventBus().consumer(Addresses.CACHE_GET, m -> m.fail(FailureCodes.INTERNAL, INTERNAL));
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config(port))).await(5, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(5), "nodes heard", () -> WebClient.create(vertx).get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
    failures(watched(vertx), port);
    assertNoLeak();
    assertThat(seen.stream().map(s -> s[1]).distinct()).contains("500");
  }

  @Test
  void refusedKeys(Vertx vertx) throws Exception {
    int port = PublicPortSecurityTest.freePort();
    JsonObject config = config(port).put("security", new JsonObject().put("api-keys", "app:read:" + PublicPortSecurityTest.READ_KEY)
        .put("rate-limit", new JsonObject().put("read-per-second", 0.01)));
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    WebClient web = watched(vertx);
    failures(web, port); // 401s
    for (String key : List.of(PublicPortSecurityTest.READ_KEY, PublicPortSecurityTest.READ_KEY, "x")) {
      record("with a key", web.delete(port, "127.0.0.1", "/users/3").putHeader("authorization", "Bearer " + key).send().await(5, TimeUnit.SECONDS));
      record("with a key", web.get(port, "127.0.0.1", "/openapi.yaml").putHeader("authorization", "Bearer " + key).send().await(5, TimeUnit.SECONDS));
    }
    assertThat(seen.stream().map(s -> s[1]).distinct()).contains("401", "403", "429");
    seen.removeIf(s -> s[0].equals("with a key") && s[1].equals("200")); // the OpenAPI document itself
    assertNoLeakIn();
  }

  private static void heartbeats(Vertx vertx) {
    vertx.setPeriodic(1, 200, id -> {
      vertx.eventBus().publish(Addresses.HEARTBEAT, new NodeHeartbeat("embedding", "stub-e", true, V4, null, null).toJson());
      vertx.eventBus().publish(Addresses.HEARTBEAT, new NodeHeartbeat("ann", "stub-a", true, V4, null, null).toJson());
    });
  }
}

package io.recserve.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console on the management listener, with the roles behind it stubbed on the bus: the page and its files (open,
 * with a strict Content-Security-Policy, and no inline script or style that would need a looser one), the chart
 * library from its WebJar, the read routes relayed over the bus (the public API's own status and body, 400 naming the
 * field, 503 naming the address when nobody answers or not in time), the admin key, and cross-site writes refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConsoleRoutesTest {
  static final String KEY = "console-admin-key-0123456789abcdef";

  static int start(Vertx vertx, JsonObject config) throws Exception {
    config.put("admin", config.getJsonObject("admin", new JsonObject()).put("port", 0)).put("eventbus", new JsonObject().put("timeout-ms", 2000));
    AdminVerticle admin = new AdminVerticle(List.of("http"));
    vertx.deployVerticle(admin, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    return admin.port();
  }

  static HttpResponse<Buffer> call(Vertx vertx, int port, HttpMethod method, String path, String key, String body) throws Exception {
    HttpRequest<Buffer> r = WebClient.create(vertx).request(method, port, "127.0.0.1", path).timeout(10_000);
    if (key != null) r.putHeader("authorization", "Bearer " + key);
    return (body == null ? r.send() : r.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(Vertx vertx, int port, String path) throws Exception {
    return call(vertx, port, HttpMethod.GET, path, null, null);
  }

  static String resource(String path) throws Exception {
    try (InputStream in = ConsoleRoutesTest.class.getClassLoader().getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void assertBadField(HttpResponse<Buffer> r, String field) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    assertThat(r.getHeader("content-type")).isEqualTo("application/json");
    assertThat(r.bodyAsJsonObject().getString("field")).isEqualTo(field);
    assertThat(r.bodyAsJsonObject().getString("message")).contains(field);
  }

  /**
   * Found by a hostile run: a page whose name DNS rebinding pointed at the listener sent that name as Host and as
   * Origin, so the Origin check passed and it could publish a model version (and read every route). A Host that is
   * no address, not localhost and not a configured name is now refused, reads included.
   */
  @Test
  void aHostNamingAnotherSiteIsRefusedReadsIncluded(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject().put("admin", new JsonObject().put("host-names", "ops.internal")));
    WebClient client = WebClient.create(vertx);
    HttpResponse<Buffer> read = client.get(port, "127.0.0.1", "/").virtualHost("rebind.attacker.example").send().await(10, TimeUnit.SECONDS);
    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(read.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    HttpResponse<Buffer> publish = client.post(port, "127.0.0.1", "/admin/models/1/publish").virtualHost("rebind.attacker.example")
        .putHeader("origin", "http://rebind.attacker.example:" + port).send().await(10, TimeUnit.SECONDS);
    assertThat(publish.statusCode()).isEqualTo(403);
    // HTTP/2 (h2c), which carries the name as :authority, is not spoken at all (below, twoHostHeadersAreA400).
    WebClient h2 = WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h2.get(port, "127.0.0.1", "/").virtualHost("rebind.attacker.example")
        .send().await(10, TimeUnit.SECONDS)).isNotInstanceOf(java.util.concurrent.TimeoutException.class);
    // A malformed bracketed name: Vert.x refuses it itself (400), before the check would (403).
    assertThat(client.get(port, "127.0.0.1", "/").virtualHost("[::1]x").send().await(10, TimeUnit.SECONDS).statusCode()).isIn(400, 403);
    for (String name : List.of("localhost", "127.0.0.1", "ops.internal", "OPS.internal.", "[::1]")) {
      assertThat(client.get(port, "127.0.0.1", "/").virtualHost(name).send().await(10, TimeUnit.SECONDS).statusCode()).as(name).isEqualTo(200);
    }
  }

  /** Found by a hostile run: two Host headers were answered 200, the first one checked (RFC 9112 asks for a 400). */
  @Test
  void twoHostHeadersAreA400(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("GET /admin/models HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400").contains("a request carries one Host header");
    }
    // The same asking to switch to HTTP/2 (h2c): Vert.x folded the two names into one :authority before any check saw
    // them, and answered 101 and then the page (found by a review). The listener speaks HTTP/1.1 only, as the public one.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: rebind.attacker.example\r\n"
          + "Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      byte[] head = new byte[12];
      new java.io.DataInputStream(socket.getInputStream()).readFully(head);
      assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 400");
    }
    // Found by a hostile run: Content-Length and Transfer-Encoding together were answered and the connection kept, so
    // the request after them (smuggled past a proxy going by the other header) was answered too (RFC 9112, 6.3). Now
    // the first is answered, and the connection closed.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("POST /recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).containsIgnoringCase("connection: close").doesNotContain("200 OK"); // (503 here: no HTTP node behind)
      assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer, then the end of the connection").hasSize(2);
    }
  }

  /**
   * Found by a review: the management listener held a connection open for as long as its client wished, a request head
   * trickled a byte at a time included, so a client that reaches it (an exposed one, admin.host) could hold every
   * socket the node may open. It now has the public listener's bounds: http.header-timeout-ms and http.idle-timeout-ms.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aTrickledHeadIsClosedAfterTheHeaderTimeout(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject().put("http", new JsonObject().put("header-timeout-ms", 600)));
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
      long timer = vertx.setPeriodic(100, id -> {
        try {
          out.write('b');
          out.flush();
        } catch (java.io.IOException e) {
          vertx.cancelTimer(id);
        }
      });
      long started = System.nanoTime();
      try {
        assertThat(socket.getInputStream().readAllBytes()).as("no answer, the connection closed").isEmpty();
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("still open after 10 s", e);
      } finally {
        vertx.cancelTimer(timer);
      }
      assertThat((System.nanoTime() - started) / 1_000_000).isBetween(400L, 3000L);
    }
  }

  /**
   * Found by a hostile run: the management listener took every connection offered, and 20,000 held open took every
   * file the node could open. One beyond admin.max-connections is closed at once; once one closes, another is taken.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void connectionsBeyondTheBoundAreClosedAtOnce(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject().put("admin", new JsonObject().put("max-connections", 2)));
    try (java.net.Socket first = new java.net.Socket("127.0.0.1", port); java.net.Socket second = new java.net.Socket("127.0.0.1", port)) {
      for (java.net.Socket open : List.of(first, second)) { // both taken: each answers
        open.setSoTimeout(5000);
        open.getOutputStream().write("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(open.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 ");
      }
      try (java.net.Socket third = new java.net.Socket("127.0.0.1", port)) {
        third.setSoTimeout(5000);
        try {
          assertThat(third.getInputStream().read()).as("the end of the connection, unanswered").isEqualTo(-1);
        } catch (java.net.SocketException reset) {
          // closed by a reset: as good
        }
      }
    }
    io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(10), "a connection taken again once the others closed",
        () -> get(vertx, port, "/ready").statusCode() > 0);
  }

  /** Found by a hostile run: what the HTTP parser refuses was answered with Vert.x's empty bodies, not the JSON of every other answer. */
  @Test
  void whatTheParserRefusesIsAnsweredAsJson(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    for (String[] c : new String[][] {{"GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "414", "uri_too_long"},
        {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n", "431", "headers_too_large"}}) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(c[0].getBytes(StandardCharsets.ISO_8859_1));
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // then closed
        assertThat(answer).contains(" " + c[1] + " ").containsIgnoringCase("content-type: application/json");
        assertThat(new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getString("error")).isEqualTo(c[2]);
      }
    }
  }

  /** Found by a hostile run: a bad percent-escape in the query was a 500 with an ERROR line, in the path a plain-text 400. */
  @Test
  void aBadPercentEscapeIsAJson400WithNoErrorLine(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    String log = io.recserve.testing.NodeLog.during(() -> {
      for (String path : List.of("/analytics/summary?window=%zz", "/analytics/timeseries?minutes=%zz", "/users/%zz/rated", "/users/1/rated?top=%zz")) {
        HttpResponse<Buffer> r = get(vertx, port, path);
        assertThat(r.statusCode()).as(path).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getString("error")).as(path).isEqualTo("bad_request");
      }
    });
    assertThat(log).doesNotContain("ERROR");
  }

  /** Found by a hostile run: the management listener's 405 named no methods (RFC 9110 asks for an Allow header). */
  @Test
  void aMethodNotAllowedNamesTheAllowedOnes(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    HttpResponse<Buffer> ready = call(vertx, port, HttpMethod.DELETE, "/ready", null, null);
    assertThat(ready.statusCode()).isEqualTo(405);
    assertThat(ready.getHeader("allow")).isEqualTo("GET");
    for (String[] c : new String[][] {{"GET", "/admin/models/3/publish", "POST"}, {"GET", "/recommend", "POST"}, {"DELETE", "/movies/5/similar", "GET"}}) {
      HttpResponse<Buffer> r = call(vertx, port, HttpMethod.valueOf(c[0]), c[1], null, null);
      assertThat(r.statusCode()).as(c[0] + " " + c[1] + ": " + r.bodyAsString()).isEqualTo(405);
      assertThat(r.getHeader("allow")).as(c[0] + " " + c[1]).isEqualTo(c[2]);
    }
  }

  /** A client that leaves mid-body logs no ERROR here either (found by a hostile run on the public listener). */
  @Test
  void aClientLeavingMidBodyLogsNoError(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    String log = io.recserve.testing.NodeLog.during(() -> {
      io.recserve.testing.NodeLog.leaveMidBody(port, "/recommend");
      // One verticle instance, one event loop reading its connections in order: a later answer comes after the close.
      assertThat(get(vertx, port, "/").statusCode()).isEqualTo(200);
    });
    assertThat(log).doesNotContain("ERROR").doesNotContain("Exception");
  }

  @Test
  void thePageAndItsFilesAreOpenUnderAStrictPolicyAndTheDataRoutesNeedTheAdminKey(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject().put("security", new JsonObject().put("admin-keys", "console:admin:" + KEY)));
    HttpResponse<Buffer> page = get(vertx, port, "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("content-type")).startsWith("text/html");
    assertThat(page.getHeader("content-security-policy")).isEqualTo(ConsoleRoutes.CSP).contains("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
        .doesNotContain("unsafe");
    assertThat(page.getHeader("x-content-type-options")).isEqualTo("nosniff");
    assertThat(page.bodyAsString()).contains("<script type=\"module\" src=\"/console/app.js\"></script>", "/console/lib/uPlot.min.css");
    for (String file : List.of("index.html", "app.js", "api.js", "dom.js", "recommend.js", "traffic.js", "models.js", "console.css")) {
      String text = resource("console/" + file);
      assertThat(text).as(file + ": no inline style (the policy allows none)").doesNotContain("style=", "<style", ".innerHTML", "setAttribute('style'");
      if (file.equals("index.html")) assertThat(text.split("<script", -1)).as("every script has a src").allMatch(s -> s.startsWith("<!doctype") || s.startsWith(" type=\"module\" src="));
      HttpResponse<Buffer> served = get(vertx, port, "/console/" + file);
      assertThat(served.statusCode()).as(file).isEqualTo(200);
      assertThat(served.getHeader("content-security-policy")).isEqualTo(ConsoleRoutes.CSP);
      if (file.endsWith(".js")) assertThat(served.getHeader("content-type")).startsWith("text/javascript");
    }
    HttpResponse<Buffer> uplot = get(vertx, port, "/console/lib/uPlot.esm.js");
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.bodyAsString()).contains("export { uPlot as default }");
    assertThat(get(vertx, port, "/console/lib/uPlot.min.css").getHeader("content-type")).startsWith("text/css");
    assertThat(ConsoleRoutes.uplotVersion()).matches("\\d+\\.\\d+\\.\\d+");

    // The data routes stand behind the admin key, as every other route of the listener.
    vertx.eventBus().consumer(Addresses.EMBEDDING_RATED, m -> m.reply(new JsonObject().put("rated", new JsonArray())));
    for (String path : List.of("/users/1/rated", "/analytics/timeseries", "/movies/1/similar", "/admin/models", "/ready")) {
      HttpResponse<Buffer> refused = get(vertx, port, path);
      assertThat(refused.statusCode()).as(path).isEqualTo(401);
      assertThat(refused.getHeader("www-authenticate")).isEqualTo("Bearer");
      assertThat(refused.getHeader("content-security-policy")).isEqualTo(ConsoleRoutes.CSP);
    }
    assertThat(call(vertx, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": 1}").statusCode()).isEqualTo(401);
    assertThat(call(vertx, port, HttpMethod.GET, "/users/1/rated", KEY, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aWriteFromAnotherOriginIsRefusedAndOneFromTheConsoleIsNot(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    vertx.eventBus().consumer(Addresses.ADMIN_MODELS, m -> m.reply(new JsonObject().put("model_version", 1).put("previous_version", 2)));
    HttpResponse<Buffer> foreign = WebClient.create(vertx).post(port, "127.0.0.1", "/admin/models/rollback")
        .putHeader("origin", "http://evil.example").send().await(10, TimeUnit.SECONDS);
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    HttpResponse<Buffer> console = WebClient.create(vertx).post(port, "127.0.0.1", "/admin/models/rollback")
        .putHeader("origin", "http://127.0.0.1:" + port).send().await(10, TimeUnit.SECONDS);
    assertThat(console.statusCode()).isEqualTo(200);
    assertThat(call(vertx, port, HttpMethod.POST, "/admin/models/rollback", null, null).statusCode()).as("curl: no Origin").isEqualTo(200);
  }

  @Test
  void theReadRoutesAskOverTheBusAndMapEveryFailure(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    // Nobody serves anything yet: 503 naming the address and the role that serves it.
    HttpResponse<Buffer> none = call(vertx, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": 1}");
    assertThat(none.statusCode()).isEqualTo(503);
    assertThat(none.getHeader("retry-after")).isEqualTo("1");
    assertThat(none.bodyAsJsonObject().getString("message")).contains(Addresses.HTTP_API, "http role");
    assertThat(get(vertx, port, "/users/1/rated").bodyAsJsonObject().getString("message")).contains(Addresses.EMBEDDING_RATED);
    assertThat(get(vertx, port, "/analytics/timeseries").bodyAsJsonObject().getString("message")).contains(Addresses.ANALYTICS_TIMESERIES);

    // The public API's answer comes back as the HTTP node gave it: status, body and Retry-After.
    List<JsonObject> relayed = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.HTTP_API, m -> {
      relayed.add(m.body());
      if ("similar".equals(m.body().getString("route"))) {
        m.reply(new JsonObject().put("status", 200).put("body", new JsonObject().put("recommendations", new JsonArray())));
      } else if (m.body().getString("body").contains("\"x\"")) {
        m.reply(new JsonObject().put("status", 400).put("body", new JsonObject().put("error", "invalid_field").put("field", "user_id").put("message", "user_id must be an integer")));
      } else {
        m.reply(new JsonObject().put("status", 503).put("retry_after", 1).put("body", new JsonObject().put("error", "service_unavailable").put("message", "no model yet")));
      }
    });
    HttpResponse<Buffer> bad = call(vertx, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": \"x\"}");
    assertBadField(bad, "user_id");
    assertThat(relayed.get(0)).isEqualTo(new JsonObject().put("route", "recommend").put("body", "{\"user_id\": \"x\"}").put("content_type", (String) null));
    HttpResponse<Buffer> busy = call(vertx, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": 1}");
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.getHeader("retry-after")).isEqualTo("1");
    assertThat(busy.bodyAsJsonObject().getString("message")).isEqualTo("no model yet");
    assertThat(get(vertx, port, "/movies/5/similar?cutoff=3").statusCode()).isEqualTo(200);
    assertThat(relayed.get(2)).isEqualTo(new JsonObject().put("route", "similar").put("movie_id", 5).put("cutoff", 3L));
    assertBadField(get(vertx, port, "/movies/abc/similar"), "movie_id");
    assertBadField(get(vertx, port, "/movies/5/similar?cutoff=101"), "cutoff");
    var tooLarge = call(vertx, port, HttpMethod.POST, "/recommend", null, "{\"user_id\": 1, \"pad\": \"" + "x".repeat(70_000) + "\"}");
    assertThat(tooLarge.statusCode()).as("beyond http.max-body-bytes").isEqualTo(413);
    // The limit in bytes, as the public listener words it (found by a hostile run: this one named only the setting).
    assertThat(tooLarge.bodyAsJsonObject().getString("message")).isEqualTo("request body exceeds 65536 bytes (http.max-body-bytes)");

    // A user's top-rated movies, from an embedding node.
    vertx.eventBus().<JsonObject>consumer(Addresses.EMBEDDING_RATED, m -> m.reply(new JsonObject().put("user_id", m.body().getInteger("user_id"))
        .put("top", m.body().getInteger("top"))));
    assertThat(get(vertx, port, "/users/42/rated?top=3").bodyAsJsonObject()).isEqualTo(new JsonObject().put("user_id", 42).put("top", 3));
    assertThat(get(vertx, port, "/users/42/rated").bodyAsJsonObject().getInteger("top")).isEqualTo(10);
    assertBadField(get(vertx, port, "/users/abc/rated"), "user_id");
    assertBadField(get(vertx, port, "/users/99999999999/rated"), "user_id");
    assertBadField(get(vertx, port, "/users/1/rated?top=0"), "top");
    assertBadField(get(vertx, port, "/users/1/rated?top=101"), "top");

    // The time series, its top movies titled by an embedding node when there is one.
    JsonObject series = new JsonObject().put("from", 0).put("requests", 3).put("buckets", new JsonArray())
        .put("top_movies", new JsonArray().add(new JsonObject().put("movie_id", 7).put("count", 2)).add(new JsonObject().put("movie_id", 8).put("count", 1)));
    List<JsonObject> asked = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.ANALYTICS_TIMESERIES, m -> {
      asked.add(m.body());
      m.reply(series.copy());
    });
    JsonObject untitled = get(vertx, port, "/analytics/timeseries").bodyAsJsonObject();
    assertThat(untitled.getJsonArray("top_movies").getJsonObject(0)).isEqualTo(new JsonObject().put("movie_id", 7).put("count", 2));
    assertThat(asked.get(0)).isEqualTo(new JsonObject().put("minutes", 180).put("top", 10));
    vertx.eventBus().<JsonObject>consumer(Addresses.EMBEDDING_MOVIES, m -> m.reply(new JsonObject().put("movies", new JsonArray()
        .add(new JsonObject().put("movie_id", 7).put("title", "Seven (1995)").put("genres", new JsonArray().add("Thriller"))))));
    JsonObject titled = get(vertx, port, "/analytics/timeseries?minutes=60&top=2").bodyAsJsonObject();
    assertThat(asked.get(1)).isEqualTo(new JsonObject().put("minutes", 60).put("top", 2));
    assertThat(titled.getJsonArray("top_movies").getJsonObject(0).getString("title")).isEqualTo("Seven (1995)");
    assertThat(titled.getJsonArray("top_movies").getJsonObject(1).containsKey("title")).as("a movie the version does not know").isFalse();
    assertBadField(get(vertx, port, "/analytics/timeseries?minutes=0"), "minutes");
    assertBadField(get(vertx, port, "/analytics/timeseries?minutes=1441"), "minutes");
    assertBadField(get(vertx, port, "/analytics/timeseries?top=x"), "top");
  }

  @Test
  void aRoleThatDoesNotAnswerInTimeIsA503(Vertx vertx) throws Exception {
    int port = start(vertx, new JsonObject());
    vertx.eventBus().consumer(Addresses.ANALYTICS_TIMESERIES, m -> {}); // never answers
    vertx.eventBus().consumer(Addresses.EMBEDDING_RATED, m -> m.fail(io.recserve.contract.FailureCodes.MODEL_NOT_LOADED, "no version"));
    HttpResponse<Buffer> slow = get(vertx, port, "/analytics/timeseries");
    assertThat(slow.statusCode()).isEqualTo(503);
    assertThat(slow.bodyAsJsonObject().getString("message")).isEqualTo(Addresses.ANALYTICS_TIMESERIES + " did not answer in time");
    HttpResponse<Buffer> loading = get(vertx, port, "/users/1/rated");
    assertThat(loading.statusCode()).isEqualTo(503);
    assertThat(loading.bodyAsJsonObject().getString("message")).contains("no model version is loaded");
  }
}

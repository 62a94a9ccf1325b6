package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.PopularRequest;
import io.recserve.contract.SimilarRequest;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Requests generated from openapi.yaml's own request schemas (read from the document at run time, so a changed rule
 * changes what is generated): valid ones, and ones broken in exactly one place by one of the document's keywords
 * (type, format, minimum, maximum, enum, minItems, maxItems, required, the "user_id or ratings, never both" rule) or
 * by one of the rules the server keeps beyond it (a movie rated twice, year_min after year_max). Against the HTTP
 * verticle with tiny stand-ins for the other verticles, as {@link HttpVerticleTest}:
 * <ul>
 *   <li>no answer is a 5xx;</li>
 *   <li>each broken request gets 400 {@code invalid_field} naming exactly the field broken, as the README names
 *       fields ({@code ratings[3].rating}; inside a batch, in its own response, {@code requests[2].cutoff});</li>
 *   <li>each valid request gets 200 (201 for feedback);</li>
 *   <li>every answer keeps the document's response schema for its status ({@link OpenApiCheck}).</li>
 * </ul>
 * The whole class must finish within {@link #BUDGET_MILLIS}; each try checks it.
 */
class OpenApiPropertiesTest {
  static final long BUDGET_MILLIS = 30_000;
  static final ModelRef V1 = new ModelRef(1, "6a1e7c1c-6c55-4d7e-9a56-3a1f0e1b2c01");
  static final List<String> GENRES = List.of("Drama", "Comedy", "Sci-Fi", "Film-Noir", "(no genres listed)", "Children");

  private static Vertx vertx;
  private static WebClient client;
  private static OpenApiCheck document;
  private static JsonObject components;
  private static int port;
  private static long started;
  private static final AtomicLong answers = new AtomicLong();

  @BeforeContainer
  static void start() throws Exception {
    started = System.currentTimeMillis();
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    vertx = Vertx.vertx();
    stubs(vertx);
    JsonObject config = new JsonObject().put("http", new JsonObject().put("port", port).put("host", "127.0.0.1"))
        .put("cache", new JsonObject().put("enabled", false))
        .put("eventbus", new JsonObject().put("timeout-ms", 2000)).put("model", new JsonObject().put("poll-interval-ms", StubNodes.POLL_MS))
        .put("analytics", new JsonObject().put("batch-age-ms", 20).put("retry-max-ms", 100).put("stop-timeout-ms", 200).put("outbox-max", 1000));
    vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    document = OpenApiCheck.load(vertx);
    components = document.contract().getRawContract().getJsonObject("components").getJsonObject("schemas");
    client = document.watch(WebClient.create(vertx));
    io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(10), "ready",
        () -> client.get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
  }

  @AfterContainer
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    System.out.printf("OpenApiPropertiesTest: %d answers checked against openapi.yaml in %d ms%n", answers.get(), System.currentTimeMillis() - started);
  }

  /** One embedding node and one ANN node serving version 1; every user below 1000 is known; feedback is stored. */
  private static void stubs(Vertx vertx) {
    var bus = vertx.eventBus();
    bus.consumer(Addresses.onNode(Addresses.EMBEDDING_USER, "e"), m -> {
      int user = UserEmbeddingRequest.of(m.body()).userId();
      m.reply(user >= 0 && user < 1000 ? new UserEmbeddingReply(user, V1, true, new float[] {1, 2}, new int[] {1}) : UserEmbeddingReply.unknown(user, V1));
    });
    bus.consumer(Addresses.onNode(Addresses.EMBEDDING_FOLDIN, "e"), m -> m.reply(new UserEmbeddingReply(0, V1, true, new float[] {1, 2}, new int[0])));
    bus.consumer(Addresses.onNode(Addresses.EMBEDDING_POPULAR, "e"), m -> m.reply(movies(PopularRequest.of(m.body()).k())));
    bus.consumer(Addresses.onNode(Addresses.EMBEDDING_EXPLAIN, "e"), m -> {
      JsonArray because = new JsonArray();
      for (int i = 0; i < 3; i++) because.add(new JsonArray().add(new JsonObject().put("movie_id", 1).put("title", "Movie 1")));
      m.reply(new JsonObject().put("because", because));
    });
    bus.consumer(Addresses.onNode(Addresses.EMBEDDING_REFRESH, "e"), m -> m.reply(new JsonObject()));
    bus.consumer(Addresses.onNode(Addresses.ANN_SEARCH, "a"), m -> m.reply(movies(NeighbourSearchRequest.of(m.body()).k())));
    bus.consumer(Addresses.onNode(Addresses.ANN_SIMILAR, "a"), m -> m.reply(movies(SimilarRequest.of(m.body()).k())));
    AtomicLong seq = new AtomicLong();
    bus.consumer(Addresses.FEEDBACK_RECORD, m -> {
      var f = io.recserve.contract.FeedbackRequest.of(m.body());
      m.reply(new JsonObject().put("seq", seq.incrementAndGet()).put("user_id", f.userId()).put("movie_id", f.movieId())
          .put("rating", f.rating()).put("time", f.time() == 0 ? System.currentTimeMillis() / 1000 : f.time()));
    });
    bus.consumer(Addresses.ANALYTICS_INGEST, m -> m.reply(new JsonObject().put("stored", 1)));
    bus.consumer(Addresses.CACHE_INVALIDATE, m -> m.reply(new JsonObject()));
    vertx.setPeriodic(1, 200, id -> {
      bus.publish(Addresses.HEARTBEAT, new NodeHeartbeat("embedding", "e", true, V1, null, null).toJson());
      bus.publish(Addresses.HEARTBEAT, new NodeHeartbeat("ann", "a", true, V1, null, null).toJson());
    });
  }

  private static NeighbourSearchReply movies(int k) {
    int n = Math.min(k, 3);
    JsonArray recs = new JsonArray();
    int[] ids = new int[n];
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 10 + i;
      scores[i] = 0.9f - i * 0.1f;
      recs.add(new JsonObject().put("movie_id", ids[i]).put("title", "Movie " + ids[i]).put("genres", new JsonArray().add("Drama")).put("score", (double) scores[i]));
    }
    return new NeighbourSearchReply(V1, "a", recs.encode(), ids, scores);
  }

  // ---- the properties ----

  @Property(tries = 150, shrinking = ShrinkingMode.OFF)
  void aValidRecommendRequestIsAnswered200(@ForAll("validRecommend") JsonObject body) throws Exception {
    assertAnswered(post("/recommend", body), 200);
  }

  @Property(tries = 250, shrinking = ShrinkingMode.OFF)
  void aBrokenRecommendRequestIs400NamingTheField(@ForAll("brokenRecommend") Broken broken) throws Exception {
    assertRefused(post("/recommend", broken.body()), broken.field());
  }

  @Property(tries = 80, shrinking = ShrinkingMode.OFF)
  void validFeedbackIsStored201(@ForAll("validFeedback") JsonObject body) throws Exception {
    assertAnswered(post("/feedback", body), 201);
  }

  @Property(tries = 120, shrinking = ShrinkingMode.OFF)
  void brokenFeedbackIs400NamingTheField(@ForAll("brokenFeedback") Broken broken) throws Exception {
    assertRefused(post("/feedback", broken.body()), broken.field());
  }

  /** A batch with one broken request among valid ones: 200, that one 400 naming requests[i].field, the others 200. */
  @Property(tries = 100, shrinking = ShrinkingMode.OFF)
  void aBatchAnswersEachRequestOnItsOwn(@ForAll("batchWithOneBroken") BrokenBatch batch) throws Exception {
    HttpResponse<Buffer> response = post("/recommend/batch", batch.body());
    assertAnswered(response, 200);
    JsonArray responses = response.bodyAsJsonObject().getJsonArray("responses");
    assertThat(responses).hasSize(batch.body().getJsonArray("requests").size());
    for (int i = 0; i < responses.size(); i++) {
      JsonObject one = responses.getJsonObject(i);
      if (i == batch.broken()) {
        assertThat(one.getInteger("status")).as(one.encode()).isEqualTo(400);
        assertThat(one.getString("field")).as(batch.body().encode() + " -> " + one.encode()).isEqualTo(batch.field());
      } else {
        assertThat(one.getInteger("status")).as(one.encode()).isEqualTo(200);
      }
    }
  }

  @Property(tries = 40, shrinking = ShrinkingMode.OFF)
  void aBrokenBatchEnvelopeIs400(@ForAll("brokenBatchEnvelope") Broken broken) throws Exception {
    assertRefused(post("/recommend/batch", broken.body()), broken.field());
  }

  // ---- assertions ----

  private static HttpResponse<Buffer> post(String uri, JsonObject body) throws Exception {
    assertThat(System.currentTimeMillis() - started).as("OpenApiPropertiesTest's time budget, ms").isLessThan(BUDGET_MILLIS);
    answers.incrementAndGet();
    return client.post(port, "127.0.0.1", uri).putHeader("content-type", "application/json").sendBuffer(body.toBuffer()).await(10, TimeUnit.SECONDS);
  }

  private static void assertAnswered(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(document.problems()).as("answers that break openapi.yaml").isEmpty();
  }

  private static void assertRefused(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isLessThan(500).isEqualTo(400);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject error = response.bodyAsJsonObject();
    assertThat(error.getString("error")).isEqualTo("invalid_field");
    assertThat(error.getString("field")).as(error.getString("message")).isEqualTo(field);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(document.problems()).as("answers that break openapi.yaml").isEmpty();
  }

  // ---- generators, from the document's schemas ----

  record Broken(JsonObject body, String field) {
    @Override
    public String toString() {
      return body.encode() + " (broken at " + field + ")";
    }
  }

  record BrokenBatch(JsonObject body, int broken, String field) {
    @Override
    public String toString() {
      return body.encode() + " (broken at " + field + ")";
    }
  }

  private static JsonObject schema(String component) {
    return components.getJsonObject(component);
  }

  /** The request body schema of an operation, as the document writes it. */
  private static JsonObject bodySchema(String operationId) {
    JsonObject paths = document.contract().getRawContract().getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      if (!(paths.getValue(path) instanceof JsonObject item)) continue; // the resolver's own annotations
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject operation && operationId.equals(operation.getString("operationId"))) {
          return operation.getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json").getJsonObject("schema");
        }
      }
    }
    throw new IllegalArgumentException(operationId);
  }

  @Provide
  Arbitrary<JsonObject> validRecommend() {
    return Arbitraries.randomValue(r -> validRequest(r));
  }

  @Provide
  Arbitrary<Broken> brokenRecommend() {
    return Arbitraries.randomValue(r -> brokenRequest(r, ""));
  }

  @Provide
  Arbitrary<JsonObject> validFeedback() {
    return Arbitraries.randomValue(r -> (JsonObject) valid(bodySchema("feedback"), r));
  }

  @Provide
  Arbitrary<Broken> brokenFeedback() {
    return Arbitraries.randomValue(r -> {
      JsonObject schema = bodySchema("feedback");
      JsonObject body = (JsonObject) valid(schema, r);
      return brokenObject(schema, body, r, "");
    });
  }

  @Provide
  Arbitrary<BrokenBatch> batchWithOneBroken() {
    return Arbitraries.randomValue(r -> {
      int size = 1 + r.nextInt(4);
      int broken = r.nextInt(size);
      JsonArray requests = new JsonArray();
      String field = null;
      for (int i = 0; i < size; i++) {
        if (i == broken) {
          Broken b = brokenRequest(r, "requests[" + i + "]");
          requests.add(b.body().getValue("value"));
          field = b.field();
        } else {
          requests.add(validRequest(r));
        }
      }
      return new BrokenBatch(new JsonObject().put("requests", requests), broken, field);
    });
  }

  @Provide
  Arbitrary<Broken> brokenBatchEnvelope() {
    return Arbitraries.randomValue(r -> {
      JsonObject requests = bodySchema("recommendBatch").getJsonObject("properties").getJsonObject("requests");
      JsonArray many = new JsonArray();
      for (int i = 0; i <= requests.getInteger("maxItems"); i++) many.add(validRequest(r));
      List<JsonObject> bodies = List.of(new JsonObject(), new JsonObject().put("requests", new JsonArray()),
          new JsonObject().put("requests", many), new JsonObject().put("requests", new JsonObject()), new JsonObject().put("requests", "all"),
          new JsonObject().putNull("requests"));
      return new Broken(bodies.get(r.nextInt(bodies.size())), "requests");
    });
  }

  /** A valid RecommendRequest, also keeping the rules the server adds (each movie rated once, year_min not after year_max). */
  private static JsonObject validRequest(Random r) {
    JsonObject body = (JsonObject) valid(schema("RecommendRequest"), r);
    keepServerRules(body);
    return body;
  }

  private static void keepServerRules(JsonObject body) {
    if (body.getValue("ratings") instanceof JsonArray ratings) {
      for (int i = 0; i < ratings.size(); i++) ratings.getJsonObject(i).put("movie_id", 100 + i);
    }
    if (body.getValue("year_min") instanceof Integer min && body.getValue("year_max") instanceof Integer max && min > max) {
      body.put("year_min", max).put("year_max", min);
    }
  }

  /**
   * A RecommendRequest broken in one place; {@code at} is where it sits (a batch's {@code requests[2]}), and the body
   * is wrapped as {@code {"value": ...}} when {@code at} is not empty (the broken value may be a non-object).
   */
  private static Broken brokenRequest(Random r, String at) {
    JsonObject schema = schema("RecommendRequest");
    JsonObject body = validRequest(r);
    Broken broken;
    int kind = r.nextInt(10);
    if (kind == 0 && !at.isEmpty()) {
      Object value = List.of("text", 7, true, new JsonArray()).get(r.nextInt(4));
      broken = new Broken(new JsonObject().put("value", value), at);
      return broken;
    } else if (kind == 1) {
      // A server rule beyond the document: year_min after year_max.
      int year = 1900 + r.nextInt(100);
      body.put("year_min", year + 1 + r.nextInt(5)).put("year_max", year);
      broken = new Broken(body, join(at, "year_min"));
    } else if (kind == 2 && body.containsKey("ratings") && body.getJsonArray("ratings").size() > 1) {
      // A server rule beyond the document: a movie rated twice.
      JsonArray ratings = body.getJsonArray("ratings");
      int j = 1 + r.nextInt(ratings.size() - 1);
      ratings.getJsonObject(j).put("movie_id", ratings.getJsonObject(r.nextInt(j)).getInteger("movie_id"));
      broken = new Broken(body, join(at, "ratings[" + j + "].movie_id"));
    } else {
      broken = brokenObject(schema, body, r, at);
    }
    return at.isEmpty() ? broken : new Broken(new JsonObject().put("value", broken.body()), broken.field());
  }

  /** An object valid for {@code schema}, broken in one property (or one required property left out). */
  private static Broken brokenObject(JsonObject schema, JsonObject body, Random r, String at) {
    List<String> required = new ArrayList<>(schema.getJsonArray("required", new JsonArray()).getList());
    JsonArray anyOf = schema.getJsonArray("anyOf");
    Set<String> alternatives = new HashSet<>();
    if (anyOf != null) for (Object branch : anyOf) alternatives.addAll(((JsonObject) branch).getJsonArray("required").getList());
    String chosen = alternatives.stream().filter(body::containsKey).findFirst().orElse(null);
    int kind = r.nextInt(8);
    if (kind == 0 && !required.isEmpty()) {
      String name = required.get(r.nextInt(required.size()));
      body.remove(name);
      return new Broken(body, join(at, name));
    }
    if (kind == 1 && chosen != null) {
      // The anyOf of the document: neither alternative given is refused naming the first (user_id).
      body.remove(chosen);
      return new Broken(body, join(at, anyOf.getJsonObject(0).getJsonArray("required").getString(0)));
    }
    if (kind == 2 && chosen != null) {
      // The not of the document: both alternatives is refused naming the second (ratings).
      for (String other : alternatives) {
        if (!body.containsKey(other)) body.put(other, valid(schema.getJsonObject("properties").getJsonObject(other), r));
      }
      keepServerRules(body);
      return new Broken(body, join(at, anyOf.getJsonObject(1).getJsonArray("required").getString(0)));
    }
    List<String> names = new ArrayList<>(schema.getJsonObject("properties").fieldNames());
    names.removeIf(n -> alternatives.contains(n) && !n.equals(chosen));
    names.sort(null);
    String name = names.get(r.nextInt(names.size()));
    Broken value = brokenValue(schema.getJsonObject("properties").getJsonObject(name), body.getValue(name), r, join(at, name));
    body.put(name, value.body().getValue("value"));
    return new Broken(body, value.field());
  }

  /** A value that breaks {@code schema} by one of its keywords, wrapped as {"value": ...}, with the field at fault. */
  private static Broken brokenValue(JsonObject schema, Object valid, Random r, String field) {
    schema = resolve(schema);
    List<Object> wrong = new ArrayList<>();
    String type = schema.getString("type");
    switch (type) {
      case "integer" -> {
        wrong.addAll(List.of("7", 1.5, true, new JsonObject()));
        if (schema.containsKey("minimum")) wrong.add(schema.getLong("minimum") - 1 - r.nextInt(3));
        if (schema.containsKey("maximum")) wrong.add(schema.getLong("maximum") + 1 + r.nextInt(3));
        if ("int32".equals(schema.getString("format"))) wrong.add((r.nextBoolean() ? 1 : -1) * (1L << 31) * (2 + r.nextInt(3)));
      }
      case "number" -> wrong.addAll(List.of("4.5", true, new JsonArray()));
      case "boolean" -> wrong.addAll(List.of("true", 1, new JsonObject()));
      case "string" -> {
        wrong.addAll(List.of(5, false));
        if (schema.containsKey("enum")) wrong.add("not-" + schema.getJsonArray("enum").getString(0));
        if (schema.containsKey("minLength") || schema.containsKey("pattern")) wrong.add(r.nextBoolean() ? "" : " ");
      }
      case "array" -> {
        wrong.addAll(List.of("a list", 3, new JsonObject()));
        if (schema.getInteger("minItems", 0) > 0) wrong.add(new JsonArray());
        if (schema.containsKey("maxItems")) {
          JsonArray tooMany = new JsonArray();
          for (int i = 0; i <= schema.getInteger("maxItems"); i++) tooMany.add(valid(schema.getJsonObject("items"), r));
          if (tooMany.getValue(0) instanceof JsonObject) for (int i = 0; i < tooMany.size(); i++) tooMany.getJsonObject(i).put("movie_id", 100 + i);
          wrong.add(tooMany);
        }
        if (r.nextInt(3) > 0) {
          // One item broken, in a list that is valid otherwise.
          JsonArray list = valid instanceof JsonArray a && !a.isEmpty() ? a.copy() : new JsonArray().add(valid(schema.getJsonObject("items"), r));
          int i = r.nextInt(list.size());
          JsonObject items = resolve(schema.getJsonObject("items"));
          Broken item;
          if ("object".equals(items.getString("type")) && r.nextBoolean()) {
            item = brokenObject(items, list.getJsonObject(i).copy(), r, field + "[" + i + "]");
            list.set(i, item.body());
          } else {
            item = brokenValue(items, list.getValue(i), r, field + "[" + i + "]");
            list.set(i, item.body().getValue("value"));
          }
          return new Broken(new JsonObject().put("value", list), item.field());
        }
      }
      case "object" -> wrong.addAll(List.of("an object", 2, new JsonArray()));
      default -> throw new IllegalArgumentException("no broken values for " + schema);
    }
    if (r.nextInt(6) == 0) wrong.add(null);
    return new Broken(new JsonObject().put("value", wrong.get(r.nextInt(wrong.size()))), field);
  }

  /** A value valid for {@code schema}, as the document writes it. */
  private static Object valid(JsonObject schema, Random r) {
    schema = resolve(schema);
    if (schema.containsKey("enum")) return schema.getJsonArray("enum").getValue(r.nextInt(schema.getJsonArray("enum").size()));
    switch (schema.getString("type")) {
      case "integer" -> {
        long min = schema.getLong("minimum", -5L);
        long max = schema.getLong("maximum", 2000L);
        return (int) (min + r.nextInt((int) (max - min + 1)));
      }
      case "number" -> {
        return r.nextBoolean() ? (Object) (1 + r.nextInt(5)) : (Object) (0.5 * r.nextInt(11));
      }
      case "boolean" -> {
        return r.nextBoolean();
      }
      case "string" -> {
        return GENRES.get(r.nextInt(GENRES.size()));
      }
      case "array" -> {
        int min = schema.getInteger("minItems", 0);
        int n = min + r.nextInt(Math.min(schema.getInteger("maxItems", 5), 5) - min + 1);
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) a.add(valid(schema.getJsonObject("items"), r));
        return a;
      }
      case "object" -> {
        JsonObject object = new JsonObject();
        JsonObject properties = schema.getJsonObject("properties", new JsonObject());
        Set<String> required = new HashSet<>(schema.getJsonArray("required", new JsonArray()).getList());
        Set<String> excluded = new HashSet<>();
        JsonArray anyOf = schema.getJsonArray("anyOf");
        if (anyOf != null) {
          // The document's "one of these": take one branch's required fields, leave the other branches' out.
          int pick = r.nextInt(anyOf.size());
          for (int i = 0; i < anyOf.size(); i++) {
            List<?> names = anyOf.getJsonObject(i).getJsonArray("required").getList();
            if (i == pick) names.forEach(n -> required.add((String) n));
            else names.forEach(n -> excluded.add((String) n));
          }
          excluded.removeAll(required);
        }
        for (String name : properties.fieldNames()) {
          if (excluded.contains(name)) continue;
          if (required.contains(name) || r.nextInt(5) < 2) object.put(name, valid(properties.getJsonObject(name), r));
        }
        return object;
      }
      default -> throw new IllegalArgumentException("no values for " + schema);
    }
  }

  private static JsonObject resolve(JsonObject schema) {
    String ref = schema.getString("$ref");
    return ref == null ? schema : resolve(components.getJsonObject(ref.substring("#/components/schemas/".length())));
  }

  private static String join(String at, String name) {
    return at.isEmpty() ? name : at + "." + name;
  }
}

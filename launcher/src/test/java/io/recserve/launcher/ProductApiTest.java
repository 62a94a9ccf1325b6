package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.testing.MovieLensFixtures;
import io.recserve.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The product routes end to end, on the production shape (PostgreSQL and Redis) with a model of ml-latest-small:
 * similar movies, anonymous users, live feedback (visible on the next request, cold start, removal, forgetting,
 * refused when wrong), filters that keep answers full, explanations naming rated movies, batches, and the popular
 * fallback.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductApiTest {
  private static Vertx client;
  private static WebClient web;
  private static JsonObject config;
  private static RecserveNode node;
  private static String schema;
  private static Path dir;
  private static final Map<Integer, Map<Integer, Float>> RATINGS = new HashMap<>();
  private static final Map<Integer, List<String>> GENRES = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    client = Vertx.vertx();
    web = WebClient.create(client);
    dir = Files.createTempDirectory("recserve-product");
    schema = TestServices.freshSchema();
    config = RecserveNodeTest.config(client, dir);
    config.getJsonObject("pg").put("url", TestServices.postgresUrl()).put("schema", schema);
    config.getJsonObject("redis").put("url", TestServices.redisUrl()).put("key-prefix", schema + ":");
    ServeCommand.ensureModel(config);
    node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    RecserveNodeTest.awaitReady(web, config);
    List<String> ratingLines = Files.readAllLines(MovieLensFixtures.latestSmall().resolve("ratings.csv"));
    for (String line : ratingLines.subList(1, ratingLines.size())) {
      String[] f = line.split(",");
      RATINGS.computeIfAbsent(Integer.parseInt(f[0]), u -> new HashMap<>()).put(Integer.parseInt(f[1]), Float.parseFloat(f[2]));
    }
    List<String> movieLines = Files.readAllLines(MovieLensFixtures.latestSmall().resolve("movies.csv"));
    for (String line : movieLines.subList(1, movieLines.size())) {
      int id = Integer.parseInt(line.substring(0, line.indexOf(',')));
      GENRES.put(id, List.of(line.substring(line.lastIndexOf(',') + 1).split("\\|")));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) node.stop().await(40, TimeUnit.SECONDS);
    if (client != null) client.close().await();
  }

  static int port() {
    return config.getJsonObject("http").getInteger("port");
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return web.post(port(), "127.0.0.1", path).putHeader("content-type", "application/json").sendBuffer(body.toBuffer()).await(15, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(port(), "127.0.0.1", path).send().await(15, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> delete(String path) throws Exception {
    return web.delete(port(), "127.0.0.1", path).send().await(15, TimeUnit.SECONDS);
  }

  static JsonArray recommend(JsonObject body) throws Exception {
    HttpResponse<Buffer> r = post("/recommend", body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("recommendations");
  }

  static List<Integer> ids(JsonArray recs) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < recs.size(); i++) ids.add(recs.getJsonObject(i).getInteger("movie_id"));
    return ids;
  }

  static void assertError(HttpResponse<Buffer> r, int status, String field) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getString("field")).isEqualTo(field);
    assertThat(r.bodyAsJsonObject().getString("message")).isNotBlank();
  }

  @Test
  @Order(1)
  void similarMoviesAreTheClosestByCosineWithoutTheMovieItself() throws Exception {
    HttpResponse<Buffer> r = get("/movies/1/similar?cutoff=8");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray similar = r.bodyAsJsonObject().getJsonArray("recommendations");
    assertThat(similar).hasSize(8);
    assertThat(ids(similar)).doesNotContain(1);
    for (int i = 0; i < similar.size(); i++) {
      JsonObject m = similar.getJsonObject(i);
      assertThat(m.getDouble("score")).isBetween(0.0, 1.0);
      assertThat(m.getString("title")).isNotBlank();
      if (i > 0) assertThat(m.getDouble("score")).isLessThanOrEqualTo(similar.getJsonObject(i - 1).getDouble("score"));
    }
    assertError(get("/movies/99999999/similar"), 404, "movie_id");
    assertError(get("/movies/abc/similar"), 400, "movie_id");
    assertError(get("/movies/1/similar?cutoff=0"), 400, "cutoff");
    JsonArray comedies = get("/movies/1/similar?genres=Comedy&year_min=1990&year_max=1999").bodyAsJsonObject().getJsonArray("recommendations");
    assertThat(comedies).hasSize(10);
    for (int id : ids(comedies)) assertThat(GENRES.get(id)).contains("Comedy");
  }

  @Test
  @Order(2)
  void filtersKeepAnswersFullWithOnlyMoviesThatMatch() throws Exception {
    JsonArray horror = recommend(new JsonObject().put("user_id", 1).put("cutoff", 20).put("genres", new JsonArray().add("Horror")));
    assertThat(horror).hasSize(20);
    for (int id : ids(horror)) assertThat(GENRES.get(id)).contains("Horror");
    JsonArray noDrama = recommend(new JsonObject().put("user_id", 1).put("exclude_genres", new JsonArray().add("drama")));
    assertThat(noDrama).hasSize(10);
    for (int id : ids(noDrama)) assertThat(GENRES.get(id)).doesNotContain("Drama");
    JsonArray plain = recommend(new JsonObject().put("user_id", 1));
    JsonArray without = recommend(new JsonObject().put("user_id", 1).put("exclude_movie_ids", new JsonArray().add(ids(plain).get(0))));
    assertThat(ids(without)).hasSize(10).doesNotContain(ids(plain).get(0)).contains(ids(plain).get(1));
    JsonArray nineties = recommend(new JsonObject().put("user_id", 1).put("year_min", 1990).put("year_max", 1994));
    assertThat(nineties).hasSize(10);
    for (int i = 0; i < nineties.size(); i++) assertThat(nineties.getJsonObject(i).getString("title")).matches(".*\\(199[0-4]\\)\\s*");
    assertError(post("/recommend", new JsonObject().put("user_id", 1).put("year_min", 2000).put("year_max", 1990)), 400, "year_min");
    assertError(post("/recommend", new JsonObject().put("user_id", 1).put("genres", "Comedy")), 400, "genres");
  }

  @Test
  @Order(3)
  void anAnonymousUsersRatingsGiveWhatTheSameRatingsGaveTheTrainedUser() throws Exception {
    int user = 6;
    JsonArray ratings = new JsonArray();
    RATINGS.get(user).forEach((movie, rating) -> ratings.add(new JsonObject().put("movie_id", movie).put("rating", rating)));
    List<Integer> known = ids(recommend(new JsonObject().put("user_id", user)));
    List<Integer> anonymous = ids(recommend(new JsonObject().put("ratings", ratings)));
    assertThat(anonymous).doesNotContainAnyElementsOf(RATINGS.get(user).keySet());
    Set<Integer> shared = new HashSet<>(known);
    shared.retainAll(anonymous);
    assertThat(shared).as("top 10 shared with the trained user").hasSizeGreaterThanOrEqualTo(8);
    assertError(post("/recommend", new JsonObject().put("user_id", 1).put("ratings", ratings)), 400, "ratings");
    assertError(post("/recommend", new JsonObject().put("ratings", new JsonArray())), 400, "ratings");
    assertError(post("/recommend", new JsonObject().put("ratings", new JsonArray().add(new JsonObject().put("movie_id", 99999999).put("rating", 4)))),
        400, "ratings[0].movie_id");
    assertError(post("/recommend", new JsonObject().put("ratings", new JsonArray().add(new JsonObject().put("movie_id", 1).put("rating", "x")))),
        400, "ratings[0].rating");
  }

  @Test
  @Order(4)
  void explanationsNameMoviesTheUserRated() throws Exception {
    int user = 15;
    JsonArray recs = recommend(new JsonObject().put("user_id", user).put("explain", true));
    assertThat(recs).hasSize(10);
    int explained = 0;
    for (int i = 0; i < recs.size(); i++) {
      JsonArray because = recs.getJsonObject(i).getJsonArray("because");
      assertThat(because.size()).isBetween(0, 2);
      for (int k = 0; k < because.size(); k++) {
        assertThat(RATINGS.get(user)).containsKey(because.getJsonObject(k).getInteger("movie_id"));
        assertThat(because.getJsonObject(k).getString("title")).isNotBlank();
      }
      if (!because.isEmpty()) explained++;
    }
    assertThat(explained).isGreaterThanOrEqualTo(8);
    assertThat(ids(recommend(new JsonObject().put("user_id", user)))).as("the same movies without explanations").isEqualTo(ids(recs));
  }

  @Test
  @Order(5)
  void liveFeedbackGivesANewUserRecommendationsAtOnceAndIsCheckedFirst() throws Exception {
    int user = 900_001;
    assertThat(recommend(new JsonObject().put("user_id", user))).isEmpty();
    JsonArray popular = recommend(new JsonObject().put("user_id", user).put("fallback", "popular"));
    assertThat(popular).hasSize(10);
    assertThat(ids(popular)).contains(356); // Forrest Gump, the most rated movie of ml-latest-small
    for (int movie : new int[] {1, 3114, 2355}) { // Toy Story 1 and 2, A Bug's Life
      HttpResponse<Buffer> r = post("/feedback", new JsonObject().put("user_id", user).put("movie_id", movie).put("rating", 5).put("time", 1_700_000_000L + movie));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
      assertThat(r.bodyAsJsonObject().getJsonObject("feedback").getLong("seq")).isPositive();
    }
    List<Integer> cold = ids(recommend(new JsonObject().put("user_id", user)));
    assertThat(cold).hasSize(10).doesNotContain(1, 3114, 2355);
    long feedbackRows = TestServices.queryLong("select count(*) from " + schema + ".feedback");
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 99999999).put("rating", 4)), 400, "movie_id");
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 1).put("rating", 7)), 400, "rating");
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 1).put("rating", 4.25)), 400, "rating");
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 1).put("rating", 5).put("time", 1_700_000_001L)), 400, "time");
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 1)), 400, "rating");
    // Found by a hostile run: a millisecond time was taken as seconds, thousands of years ahead.
    assertError(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", 1).put("rating", 4).put("time", System.currentTimeMillis())), 400, "time");
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".feedback")).as("nothing stored by refused feedback").isEqualTo(feedbackRows);
    // Float noise passes for the grid point and is stored as it (found by a hostile run: 0.4999999 was stored below 0.5).
    HttpResponse<Buffer> noisy = post("/feedback", new JsonObject().put("user_id", 900_003).put("movie_id", 1).put("rating", 0.4999999));
    assertThat(noisy.statusCode()).as(noisy.bodyAsString()).isEqualTo(201);
    assertThat(noisy.bodyAsJsonObject().getJsonObject("feedback").getDouble("rating")).isEqualTo(0.5);
    assertThat(TestServices.queryString("select rating::text from " + schema + ".feedback where user_id = 900003")).isEqualTo("0.5");
    String noisyEvent = " from " + schema + ".recommendation_events where request_id = '" + noisy.bodyAsJsonObject().getString("request_id") + "'";
    io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(10), "the feedback's analytics event", () -> TestServices.queryLong("select count(*)" + noisyEvent) == 1);
    assertThat(TestServices.queryString("select scores::text" + noisyEvent)).as("the event holds the rating as stored").isEqualTo("{0.5}");

    // A known user's next answer reflects a new rating at once (the cached answer is dropped).
    List<Integer> before = ids(recommend(new JsonObject().put("user_id", 2)));
    HttpResponse<Buffer> rated = post("/feedback", new JsonObject().put("user_id", 2).put("movie_id", before.get(0)).put("rating", 1));
    assertThat(rated.statusCode()).isEqualTo(201);
    // Rated again at once, with no time given: stored too, not refused as the same rating sent twice (found by a
    // hostile run: within the same second it was a 400 on "time").
    HttpResponse<Buffer> again = post("/feedback", new JsonObject().put("user_id", 2).put("movie_id", before.get(0)).put("rating", 1.5));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201);
    assertThat(again.bodyAsJsonObject().getJsonObject("feedback").getLong("time"))
        .isGreaterThan(rated.bodyAsJsonObject().getJsonObject("feedback").getLong("time"));
    assertThat(ids(recommend(new JsonObject().put("user_id", 2)))).doesNotContain(before.get(0)).isNotEqualTo(before);
    // Removing that rating brings the movie back; forgetting the new user makes it unknown again.
    assertThat(delete("/users/2/ratings/" + before.get(0)).statusCode()).isEqualTo(200);
    List<Integer> afterRemoval = ids(recommend(new JsonObject().put("user_id", 2)));
    assertThat(afterRemoval).contains(before.get(0));
    HttpResponse<Buffer> forgotten = delete("/users/" + user);
    assertThat(forgotten.statusCode()).as(forgotten.bodyAsString()).isEqualTo(200);
    assertThat(forgotten.bodyAsJsonObject().getInteger("forgotten")).isEqualTo(3);
    assertThat(recommend(new JsonObject().put("user_id", user))).isEmpty();
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".feedback where user_id = " + user)).isZero();

    // A training rating the user removed stays removed when the user is forgotten (found by a hostile run: the
    // removal was feedback too, forgotten with the rest, and the rating came back).
    assertThat(ratedMovies(3)).contains(31);
    assertThat(delete("/users/3/ratings/31").statusCode()).isEqualTo(200);
    assertThat(post("/feedback", new JsonObject().put("user_id", 3).put("movie_id", 1).put("rating", 4)).statusCode()).isEqualTo(201);
    assertThat(ratedMovies(3)).doesNotContain(31).contains(1);
    HttpResponse<Buffer> forgot = delete("/users/3");
    assertThat(forgot.bodyAsJsonObject().getInteger("forgotten")).as("the one rating sent").isEqualTo(1);
    assertThat(ratedMovies(3)).doesNotContain(31, 1).hasSize(RATINGS.get(3).size() - 1);
  }

  /** The movies the user's current vector was folded from (the management listener's rated list). */
  private static List<Integer> ratedMovies(int user) throws Exception {
    JsonArray rated = RecserveNodeTest.admin(web, node, "/users/" + user + "/rated?top=100").bodyAsJsonObject().getJsonArray("rated");
    List<Integer> movies = new ArrayList<>();
    for (int i = 0; i < rated.size(); i++) movies.add(rated.getJsonObject(i).getInteger("movie_id"));
    return movies;
  }

  @Test
  @Order(6)
  void aBatchIsAnsweredInOrderEachWithItsOwnStatus() throws Exception {
    JsonArray requests = new JsonArray().add(new JsonObject().put("user_id", 1)).add(new JsonObject().put("user_id", 1).put("cutoff", 500))
        .add(new JsonObject().put("user_id", 987654)).add("not an object").add(new JsonObject().put("user_id", 3).put("cutoff", 3));
    HttpResponse<Buffer> r = post("/recommend/batch", new JsonObject().put("requests", requests));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray responses = r.bodyAsJsonObject().getJsonArray("responses");
    assertThat(responses).hasSize(5);
    assertThat(responses.getJsonObject(0).getInteger("status")).isEqualTo(200);
    assertThat(responses.getJsonObject(0).getJsonArray("recommendations")).hasSize(10);
    assertThat(responses.getJsonObject(1).getInteger("status")).isEqualTo(400);
    assertThat(responses.getJsonObject(1).getString("field")).isEqualTo("requests[1].cutoff");
    assertThat(responses.getJsonObject(2).getJsonArray("recommendations")).isEmpty();
    assertThat(responses.getJsonObject(3).getString("field")).isEqualTo("requests[3]");
    assertThat(responses.getJsonObject(4).getJsonArray("recommendations")).hasSize(3);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < responses.size(); i++) ids.add(responses.getJsonObject(i).getString("request_id"));
    assertThat(ids).hasSize(5);
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) tooMany.add(new JsonObject().put("user_id", 1));
    assertError(post("/recommend/batch", new JsonObject().put("requests", tooMany)), 400, "requests");
  }

  @Test
  @Order(7)
  void everyKindOfAnswerIsRecordedWithItsKind() throws Exception {
    io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(10), "events of every kind", () ->
        TestServices.queryLong("select count(distinct kind) from " + schema + ".recommendation_events where kind in "
            + "('recommend', 'anonymous', 'similar', 'feedback', 'rating_removed')") == 5);
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".recommendation_events where kind = 'similar' and user_id is null")).isPositive();
  }

  @Test
  @Order(8)
  void feedbackSurvivesARestartAndTheNextTrainingIncludesIt() throws Exception {
    int user = 900_002;
    for (int movie : new int[] {260, 1196}) { // Star Wars IV and V
      assertThat(post("/feedback", new JsonObject().put("user_id", user).put("movie_id", movie).put("rating", 4.5)).statusCode()).isEqualTo(201);
    }
    List<Integer> served = ids(recommend(new JsonObject().put("user_id", user)));
    assertThat(served).hasSize(10).doesNotContain(260, 1196);
    node.stop().await(40, TimeUnit.SECONDS);
    node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    RecserveNodeTest.awaitReady(web, config);
    assertThat(ids(recommend(new JsonObject().put("user_id", user)))).as("replayed from the store at load").isEqualTo(served);

    try (io.recserve.bootstrap.ModelPipeline pipeline = new io.recserve.bootstrap.ModelPipeline(config, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))) {
      long version = pipeline.train(pipeline.params());
      pipeline.publish(version);
      assertThat(TestServices.queryString("select rated::text from " + schema + ".user_embeddings where version = " + version + " and user_id = " + user))
          .isEqualTo("{260,1196}");
      assertThat(TestServices.queryLong("select trained_through from " + schema + ".model_versions where version = " + version))
          .isEqualTo(TestServices.queryLong("select max(seq) from " + schema + ".feedback"));
      io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(60), "version " + version + " served", () ->
          RecserveNodeTest.admin(web, node, "/ready").bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
              .filter(c -> c.getString("id").equals("model")).findFirst().orElseThrow().getJsonObject("data").getLong("serving_version") == version);
    }
    assertThat(ids(recommend(new JsonObject().put("user_id", user)))).hasSize(10).doesNotContain(260, 1196);
  }
}

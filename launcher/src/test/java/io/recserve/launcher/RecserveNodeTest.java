package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.RecserveConfig;
import io.recserve.testing.Eventually;
import io.recserve.testing.MovieLensFixtures;
import io.recserve.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's serve path end to end: first-run model build, all five verticles, real HTTP. */
class RecserveNodeTest {
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

  /** The shipped configuration (without the environment), quick ALS settings, a free port. */
  static JsonObject config(Path dataDir) throws Exception {
    return config(client, dataDir);
  }

  static JsonObject config(Vertx vertx, Path dataDir) throws Exception {
    JsonObject config = RecserveConfig.load(vertx, null, false).await(10, TimeUnit.SECONDS);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    config.getJsonObject("http").put("port", port).put("host", "127.0.0.1");
    config.getJsonObject("admin").put("port", 0); // an ephemeral port: tests never wait for 9180..9199
    config.getJsonObject("data").put("dir", dataDir.toString());
    config.getJsonObject("als").put("iterations", 8);
    config.getJsonObject("model").put("poll-interval-ms", 200);
    config.put("movielens", MovieLensFixtures.latestSmall().toString());
    return config;
  }

  static JsonObject recommend(JsonObject config, int user) throws Exception {
    var response = web.post(config.getJsonObject("http").getInteger("port"), "127.0.0.1", "/recommend")
        .putHeader("content-type", "application/json").sendBuffer(Buffer.buffer("{\"user_id\": " + user + "}")).await(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  static void awaitReady(JsonObject config) {
    awaitReady(web, config);
  }

  static void awaitReady(WebClient web, JsonObject config) {
    Eventually.until(Duration.ofSeconds(60), "readiness", () -> web.get(config.getJsonObject("http").getInteger("port"), "127.0.0.1", "/ready")
        .send().await(5, TimeUnit.SECONDS).statusCode() == 200);
  }

  /** A GET on the node's management listener. */
  static io.vertx.ext.web.client.HttpResponse<Buffer> admin(WebClient web, RecserveNode node, String path) throws Exception {
    return web.get(node.adminPort(), "127.0.0.1", path).send().await(15, TimeUnit.SECONDS);
  }

  static Map<Integer, String> titles() throws Exception {
    Map<Integer, String> titles = new HashMap<>();
    for (String line : Files.readAllLines(MovieLensFixtures.latestSmall().resolve("movies.csv")).subList(1, 50)) {
      titles.put(Integer.parseInt(line.substring(0, line.indexOf(','))), line);
    }
    return titles;
  }

  @Test
  void embeddedDefaultBuildsAModelOnFirstRunAndServesMovieLensUsers() throws Exception {
    JsonObject config = config(dir);
    ServeCommand.ensureModel(config);
    RecserveNode node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    try {
      awaitReady(config);
      JsonObject answer = recommend(config, 1);
      JsonArray recs = answer.getJsonArray("recommendations");
      assertThat(recs).hasSize(10);
      Map<Integer, String> someTitles = titles();
      for (int i = 0; i < recs.size(); i++) {
        JsonObject r = recs.getJsonObject(i);
        assertThat(r.getString("title")).matches(".+ \\(\\d{4}\\)\\s*");
        assertThat(r.getDouble("score")).isBetween(0.0, 1.0);
        if (i > 0) assertThat(r.getDouble("score")).isLessThanOrEqualTo(recs.getJsonObject(i - 1).getDouble("score"));
        if (someTitles.containsKey(r.getInteger("movie_id"))) assertThat(someTitles.get(r.getInteger("movie_id"))).contains(r.getString("title"));
      }
      assertThat(recommend(config, 987654).getJsonArray("recommendations")).isEmpty();
      assertThat(recommend(config, 1).getJsonArray("recommendations")).isEqualTo(recs);
      String metrics = web.get(node.adminPort(), "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS).bodyAsString();
      assertThat(metrics)
          .contains("recserve_http_response_time_seconds_count{code=\"200\",method=\"POST\",route=\"/recommend\"} 3")
          .contains("recserve_http_response_time_seconds_bucket{code=\"200\",method=\"POST\",route=\"/recommend\"")
          .contains("recserve_cache_requests_total{result=\"hit\"} 1.0")
          .contains("recserve_cache_requests_total{result=\"miss\"} 2.0")
          .contains("recserve_analytics_backlog").contains("recserve_analytics_dropped_total 0.0");
    } finally {
      node.stop().await(40, TimeUnit.SECONDS);
    }
    // Stopping wrote every analytics event out.
    assertThat(Files.readAllLines(dir.resolve("analytics/events.jsonl"))).hasSize(3);
  }

  @Test
  void productionShapeServesFromPostgresAndRedis() throws Exception {
    String schema = TestServices.freshSchema();
    JsonObject config = config(dir);
    config.getJsonObject("pg").put("url", TestServices.postgresUrl()).put("schema", schema);
    config.getJsonObject("redis").put("url", TestServices.redisUrl()).put("key-prefix", schema + ":");
    ServeCommand.ensureModel(config);
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".user_embeddings")).isEqualTo(610);
    RecserveNode node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    String version = TestServices.queryString("select v.uuid::text from " + schema + ".model_current c join " + schema
        + ".model_versions v on v.version = c.version");
    try {
      awaitReady(config);
      JsonArray recs = recommend(config, 7).getJsonArray("recommendations");
      assertThat(recs).hasSize(10);
      RedisAPI redis = RedisAPI.api(Redis.createClient(client, TestServices.redisUrl()));
      String key = schema + ":" + io.recserve.contract.CacheEntry.userKey(version, 7);
      Eventually.until(Duration.ofSeconds(5), "the answer in Redis", () -> redis.hexists(key, "k10").await(5, TimeUnit.SECONDS).toInteger() == 1);
      assertThat(recommend(config, 7).getJsonArray("recommendations")).isEqualTo(recs);
      Eventually.until(Duration.ofSeconds(10), "analytics rows", () ->
          TestServices.queryLong("select count(*) from " + schema + ".recommendation_events") == 2);
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".recommendation_events where cache_hit")).isEqualTo(1);
      redis.del(java.util.List.of(key)).await(5, TimeUnit.SECONDS);
    } finally {
      node.stop().await(40, TimeUnit.SECONDS);
    }
  }
}

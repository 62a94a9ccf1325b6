package io.recserve.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.TimeSeriesRequest;
import io.recserve.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's time series ({@link Addresses#ANALYTICS_TIMESERIES}) from both stores, through the analytics verticle:
 * per-minute buckets with requests, cache hits and latency percentiles, only the minutes in the window, and the most
 * recommended movies over it. The file store computes it in Java, PostgreSQL in SQL; both give the same answer.
 */
@Timeout(60)
@ExtendWith(VertxExtension.class)
class TimeSeriesTest {
  @TempDir Path dir;

  static RecommendationEvent event(long time, boolean hit, double latency, int... movies) {
    float[] scores = new float[movies.length];
    return new RecommendationEvent(UUID.randomUUID().toString(), RecommendationEvent.RECOMMEND, 1, movies.length, movies, scores, 1, hit, latency, time);
  }

  JsonObject config(String store) throws Exception {
    if (store.equals("file")) {
      return new JsonObject().put("analytics", new JsonObject().put("file", dir.resolve("events.jsonl").toString()));
    }
    String schema = TestServices.freshSchema();
    new PgModelRepository(TestServices.postgresUrl(), schema).migrate();
    return new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("data", new JsonObject().put("dir", dir.toString()));
  }

  static JsonObject series(Vertx vertx, int minutes, int top) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.ANALYTICS_TIMESERIES, new TimeSeriesRequest(minutes, top).toJson())
        .await(10, TimeUnit.SECONDS).body();
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "postgresql"})
  void perMinuteBucketsOfTheWindowWithPercentilesAndTheTopMovies(String store, Vertx vertx) throws Exception {
    vertx.deployVerticle(new AnalyticsVerticle(), new DeploymentOptions().setConfig(config(store))).await(10, TimeUnit.SECONDS);
    long minute = System.currentTimeMillis() / 60_000 * 60_000;
    long twoAgo = minute - 2 * 60_000;
    long oneAgo = minute - 60_000;
    List<RecommendationEvent> events = new ArrayList<>();
    events.add(event(minute - 10 * 60_000, false, 500, 99, 99)); // before the window: neither a bucket nor a top movie
    events.add(event(twoAgo + 1_000, true, 1, 7, 8));
    events.add(event(twoAgo + 20_000, false, 2, 7, 9));
    events.add(event(twoAgo + 59_000, false, 3, 7));
    events.add(event(twoAgo + 59_999, false, 4, 8));
    events.add(event(oneAgo + 30_000, true, 10, 8));
    events.add(event(minute, false, 20, 9));
    events.add(1, events.remove(0)); // arrival order is not time order (a spill file drained late)
    AnalyticsVerticleTest.send(vertx, events);

    JsonObject series = series(vertx, 5, 2);
    // The minute may have turned since: the window then starts a minute later, which changes nothing below.
    assertThat(series.getLong("from")).isIn(minute - 4 * 60_000, minute - 3 * 60_000);
    assertThat(series.getInteger("minutes")).isEqualTo(5);
    assertThat(series.getInteger("bucket_seconds")).isEqualTo(60);
    assertThat(series.getLong("requests")).isEqualTo(6);
    JsonArray buckets = series.getJsonArray("buckets");
    assertThat(buckets).hasSize(3);
    JsonObject first = buckets.getJsonObject(0);
    assertThat(first.getLong("time")).isEqualTo(twoAgo);
    assertThat(first.getLong("requests")).isEqualTo(4);
    assertThat(first.getLong("cache_hits")).isEqualTo(1);
    assertThat(first.getDouble("cache_hit_ratio")).isEqualTo(0.25);
    // percentile_cont over 1, 2, 3, 4: linear between ranks
    assertThat(first.getJsonObject("latency_ms").getDouble("p50")).isEqualTo(2.5);
    assertThat(first.getJsonObject("latency_ms").getDouble("p95")).isCloseTo(3.85, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(first.getJsonObject("latency_ms").getDouble("p99")).isCloseTo(3.97, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(buckets.getJsonObject(1)).isEqualTo(TimeSeries.bucket(oneAgo, 1, 1, 10, 10, 10));
    assertThat(buckets.getJsonObject(2)).isEqualTo(TimeSeries.bucket(minute, 1, 0, 20, 20, 20));
    // movies 7 and 8 three times each, 9 twice, 99 only before the window; ties by id
    assertThat(series.getJsonArray("top_movies")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("movie_id", 7).put("count", 3)).add(new JsonObject().put("movie_id", 8).put("count", 3)));

    JsonObject wide = series(vertx, 60, 10);
    assertThat(wide.getLong("requests")).isEqualTo(7);
    assertThat(wide.getJsonArray("buckets")).hasSize(4);
    assertThat(wide.getJsonArray("top_movies").getJsonObject(0)).isEqualTo(new JsonObject().put("movie_id", 7).put("count", 3));
    assertThat(wide.getJsonArray("top_movies")).hasSize(4);
    assertThat(series(vertx, 1, 0).getJsonArray("top_movies")).isEmpty();

    Throwable refused = vertx.eventBus().request(Addresses.ANALYTICS_TIMESERIES, new JsonObject().put("minutes", 0))
        .transform(ar -> Future.succeededFuture(ar.cause())).await(5, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(ReplyException.class).hasMessageContaining("minutes");
    assertThat(((ReplyException) refused).failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE);
  }
}

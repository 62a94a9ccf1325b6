package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.TrainedModel;
import io.recserve.model.store.UserVectors;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A model version of 300,000 ratings loads from PostgreSQL without blocking an event loop: a serving node, run with
 * Vert.x's blocked-thread limit at 100 ms, is sent the large version, and its log holds no blocked-thread warning
 * from the publish until it serves the version.
 */
@Timeout(150)
class LargeLoadTest {
  static TrainedModel model(int users, int movies, int ratingsPerUser, int factors) {
    Random random = new Random(7);
    int[] userIds = new int[users];
    float[] userVectors = new float[users * factors];
    int[][] rated = new int[users][];
    float[][] ratings = new float[users][];
    for (int u = 0; u < users; u++) {
      userIds[u] = u + 1;
      for (int d = 0; d < factors; d++) userVectors[u * factors + d] = (float) random.nextGaussian();
      rated[u] = random.ints(1, movies + 1).distinct().limit(ratingsPerUser).sorted().toArray();
      ratings[u] = new float[ratingsPerUser];
      java.util.Arrays.fill(ratings[u], 4f);
    }
    int[] movieIds = new int[movies];
    float[] movieVectors = new float[movies * factors];
    List<Movie> meta = new ArrayList<>(movies);
    for (int i = 0; i < movies; i++) {
      movieIds[i] = i + 1;
      for (int d = 0; d < factors; d++) movieVectors[i * factors + d] = (float) random.nextGaussian();
      meta.add(new Movie(i + 1, "Movie " + (i + 1) + " (2000)", List.of("Drama")));
    }
    return new TrainedModel(new AlsParams(factors, 1, 1, 1, 7, 1), new UserVectors(factors, userIds, userVectors, rated, ratings),
        new MovieVectors(factors, movieIds, movieVectors, meta));
  }

  @Test
  void aVersionOfThreeHundredThousandRatingsLoadsWithoutBlockingAnEventLoop() throws Exception {
    Path dir = Files.createTempDirectory("recserve-large");
    String schema = TestServices.freshSchema();
    PgModelRepository repo = new PgModelRepository(TestServices.postgresUrl(), schema);
    repo.migrate();
    repo.makeCurrent(repo.saveModel(model(100, 200, 5, 32)));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    NodeProcess node = NodeProcess.start(dir, "large", List.of("serve", "--no-bootstrap", "--data-dir", dir.resolve("data").toString()),
        Map.of("RECSERVE_HTTP_PORT", Integer.toString(port), "RECSERVE_PG_URL", TestServices.postgresUrl(), "RECSERVE_PG_SCHEMA", schema,
            "RECSERVE_VERTX_EVENT_LOOP_MAX_EXECUTE_MS", "100", "RECSERVE_VERTX_BLOCKED_THREAD_CHECK_MS", "50"),
        "Recserve is serving");
    Vertx vertx = Vertx.vertx();
    try {
      WebClient web = WebClient.create(vertx);
      Eventually.until(Duration.ofSeconds(100), "ready", () -> web.get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
      long warmLog = Files.size(node.log);
      long large = repo.saveModel(model(30_000, 2_000, 10, 32)); // 300,000 ratings; few movies, so the index builds quickly
      repo.makeCurrent(large);
      Eventually.until(Duration.ofSeconds(100), "the large version served", () ->
          Files.readString(node.log).contains("embedding: serving model version " + large) && Files.readString(node.log).contains("ann: serving model version " + large));
      String duringLoad = Files.readString(node.log).substring((int) warmLog);
      assertThat(duringLoad.lines().filter(l -> l.contains("has been blocked"))).as("blocked-thread warnings while the large version loaded").isEmpty();
      var answer = web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
          .sendBuffer(Buffer.buffer("{\"user_id\": 123}")).await(10, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.bodyAsJsonObject().getJsonArray("recommendations")).hasSize(10);
    } finally {
      node.stop();
      vertx.close().await();
    }
  }
}

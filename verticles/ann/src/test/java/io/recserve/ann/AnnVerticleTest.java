package io.recserve.ann;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.ModelRepository;
import io.recserve.model.store.TrainedModel;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.recserve.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class AnnVerticleTest {
  @TempDir Path dir;

  private static NeighbourSearchReply search(Vertx vertx, NeighbourSearchRequest request) throws Exception {
    return NeighbourSearchReply.of(vertx.eventBus().request(Addresses.ANN_SEARCH, request.toJson())
        .await(10, TimeUnit.SECONDS).body());
  }

  private static ComponentStatus status(Vertx vertx) throws Exception {
    return ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("ann"), new JsonObject()).await(5, TimeUnit.SECONDS).body());
  }

  private static ModelRef ref(ModelRepository repo, long version) {
    var info = repo.versions().stream().filter(v -> v.version() == version).findFirst().orElseThrow();
    return new ModelRef(info.version(), info.id());
  }

  private void searchesTheVersionAsked(Vertx vertx, ModelRepository repo, JsonObject config) throws Exception {
    vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    assertThat(status(vertx).ready()).isFalse();
    // No index yet: this node takes no query, so none can reach it and fail.
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(new float[8], 5, new int[0], new ModelRef(1, "x"))))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS));
    TrainedModel model = TestModels.random(5, 50, 8, 3);
    long v1 = repo.saveModel(model);
    repo.makeCurrent(v1);
    Eventually.until(Duration.ofSeconds(20), "index of version " + v1, () -> status(vertx).modelVersion() == v1);

    ModelRef r1 = ref(repo, v1);
    NeighbourSearchReply reply = search(vertx, new NeighbourSearchRequest(model.users().vector(0), 5, new int[] {1, 2, 3}, r1));
    assertThat(reply.model()).isEqualTo(r1);
    io.vertx.core.json.JsonArray recommendations = new io.vertx.core.json.JsonArray(reply.recommendations());
    assertThat(recommendations).hasSize(5);
    assertThat(reply.movieIds()).hasSize(5);
    for (int i = 0; i < 5; i++) {
      JsonObject r = recommendations.getJsonObject(i);
      assertThat(reply.movieIds()[i]).isEqualTo(r.getInteger("movie_id"));
      assertThat((double) reply.scores()[i]).isCloseTo(r.getDouble("score"), org.assertj.core.api.Assertions.within(1e-6));
      assertThat(r.getInteger("movie_id")).isNotIn(1, 2, 3);
      assertThat(r.getString("title")).isEqualTo("Movie " + r.getInteger("movie_id"));
      assertThat(r.getJsonArray("genres")).isNotNull();
      assertThat(r.getDouble("score")).isStrictlyBetween(0.0, 1.0);
    }
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(model.users().vector(0), 5, new int[0], new ModelRef(v1 + 7, "other"))))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED));
    // A bug in the sender is not "not loaded" (which would be retried and answered 503): it is a bad message.
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(new float[3], 5, new int[0], r1)))
        .isInstanceOf(ReplyException.class).hasMessageContaining("3 dimensions")
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE));
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(model.users().vector(0), 0, new int[0], r1)))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE));

    long v2 = repo.saveModel(TestModels.random(5, 50, 8, 4));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(20), "index of version " + v2, () -> status(vertx).modelVersion() == v2);
    // A request made with the previous version's vector is still answered by the previous index.
    ModelRef r2 = ref(repo, v2);
    assertThat(search(vertx, new NeighbourSearchRequest(model.users().vector(0), 3, new int[0], r1)).model()).isEqualTo(r1);
    assertThat(search(vertx, new NeighbourSearchRequest(model.users().vector(0), 3, new int[0], r2)).model()).isEqualTo(r2);
  }

  @Test
  void fromTheDataFolder(Vertx vertx) throws Exception {
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString()))
        .put("model", new JsonObject().put("poll-interval-ms", 100));
    searchesTheVersionAsked(vertx, new FileModelRepository(dir), config);
  }

  @Test
  void fromPostgres(Vertx vertx) throws Exception {
    String schema = TestServices.freshSchema();
    PgModelRepository repo = new PgModelRepository(TestServices.postgresUrl(), schema);
    repo.migrate();
    JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("data", new JsonObject().put("dir", dir.toString()))
        .put("model", new JsonObject().put("poll-interval-ms", 100));
    searchesTheVersionAsked(vertx, repo, config);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aRecreatedStoreWhoseVersionOneIsAnotherModelGetsItsOwnIndex(Vertx vertx, @TempDir Path otherData) throws Exception {
    Path indexDir = dir.resolve("index");
    FileModelRepository old = new FileModelRepository(dir.resolve("old"));
    old.makeCurrent(old.saveModel(TestModels.random(5, 40, 8, 1)));
    JsonObject oldConfig = new JsonObject().put("data", new JsonObject().put("dir", dir.resolve("old").toString()))
        .put("ann", new JsonObject().put("index-dir", indexDir.toString())).put("model", new JsonObject().put("poll-interval-ms", 100));
    String first = vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(oldConfig)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(20), "the old version 1 indexed", () -> status(vertx).modelVersion() == 1);
    vertx.undeploy(first).await(10, TimeUnit.SECONDS);

    // The store is recreated and retrained: "version 1" again, another model with another catalogue.
    FileModelRepository fresh = new FileModelRepository(otherData);
    TrainedModel model = TestModels.random(5, 70, 8, 2);
    fresh.makeCurrent(fresh.saveModel(model));
    JsonObject config = oldConfig.copy().put("data", new JsonObject().put("dir", otherData.toString()));
    vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(20), "the new version 1 indexed", () -> status(vertx).ready());
    ModelRef v1 = ref(fresh, 1);
    NeighbourSearchReply reply = search(vertx, new NeighbourSearchRequest(model.users().vector(0), 70, new int[0], v1));
    assertThat(reply.movieIds()).hasSize(70);
    assertThat(status(vertx).details().getInteger("movies")).isEqualTo(70);
    // The old version's index folder is gone once the node no longer holds it.
    Eventually.until(Duration.ofSeconds(10), "old index folders pruned", () -> {
      try (var list = java.nio.file.Files.list(indexDir)) {
        return list.map(p -> p.getFileName().toString()).toList().equals(java.util.List.of("1-" + v1.id()));
      }
    });
  }

  /**
   * Two publishes back to back: the swap to the third version retires the first, which an HTTP node may still ask
   * for until the next heartbeat tells it of the swap (the embedding node may hold the first and the third, so the
   * first was the version both held). The retired index answers for a moment (2 poll intervals and a second), then
   * no more. Before, it was closed at the swap and such a request answered 503 (ClusterTest caught it under CI load).
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aVersionRetiredByASwapStillAnswersForAMomentThenNoMore(Vertx vertx) throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    TrainedModel model = TestModels.random(5, 50, 8, 3);
    long v1 = repo.saveModel(model);
    repo.makeCurrent(v1);
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString()))
        .put("model", new JsonObject().put("poll-interval-ms", 1000)); // 3 s of grace
    vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(20), "version " + v1, () -> status(vertx).modelVersion() == v1);
    long v2 = repo.saveModel(TestModels.random(5, 50, 8, 4));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(20), "version " + v2, () -> status(vertx).modelVersion() == v2);
    long v3 = repo.saveModel(TestModels.random(5, 50, 8, 5));
    repo.makeCurrent(v3);
    Eventually.until(Duration.ofSeconds(20), "version " + v3, () -> status(vertx).modelVersion() == v3);
    NeighbourSearchRequest first = new NeighbourSearchRequest(model.users().vector(0), 3, new int[0], ref(repo, v1));
    assertThat(search(vertx, first).model()).isEqualTo(ref(repo, v1));
    Eventually.until(Duration.ofSeconds(15), "version " + v1 + " dropped", () -> {
      try {
        search(vertx, first);
        return false;
      } catch (ReplyException e) {
        return e.failureCode() == FailureCodes.MODEL_NOT_LOADED;
      }
    });
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void searchesBeyondTheQueueBoundAreRefusedAtOnceNotQueued(Vertx vertx) throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    TrainedModel model = TestModels.random(5, 2000, 32, 3);
    repo.makeCurrent(repo.saveModel(model));
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString()))
        .put("ann", new JsonObject().put("queue-max", 2).put("search-threads", 1)).put("model", new JsonObject().put("poll-interval-ms", 100));
    vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(30), "indexed", () -> status(vertx).ready());
    JsonObject request = new NeighbourSearchRequest(model.users().vector(0), 100, new int[0], ref(repo, 1)).toJson();
    java.util.List<io.vertx.core.Future<io.vertx.core.eventbus.Message<Object>>> sent = new java.util.ArrayList<>();
    vertx.runOnContext(v -> { // all sent before the verticle's event loop can complete any search
      for (int i = 0; i < 200; i++) sent.add(vertx.eventBus().request(Addresses.ANN_SEARCH, request));
    });
    Eventually.until(Duration.ofSeconds(5), "all sent", () -> sent.size() == 200);
    io.vertx.core.Future.join(new java.util.ArrayList<>(sent)).recover(e -> io.vertx.core.Future.succeededFuture()).await(30, TimeUnit.SECONDS);
    long refused = sent.stream().filter(f -> f.failed() && f.cause() instanceof ReplyException r && r.failureCode() == FailureCodes.OVERLOADED).count();
    long answered = sent.stream().filter(io.vertx.core.Future::succeeded).count();
    assertThat(refused).isPositive();
    assertThat(answered + refused).isEqualTo(200);
    assertThat(status(vertx).details().getInteger("searches_in_flight")).isZero();
  }
}

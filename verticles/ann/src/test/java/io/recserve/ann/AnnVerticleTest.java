package io.recserve.ann;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
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
    return NeighbourSearchReply.fromJson(vertx.eventBus().<JsonObject>request(Addresses.ANN_SEARCH, request.toJson())
        .await(10, TimeUnit.SECONDS).body());
  }

  private static ComponentStatus status(Vertx vertx) throws Exception {
    return ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("ann"), new JsonObject()).await(5, TimeUnit.SECONDS).body());
  }

  private void searchesTheVersionAsked(Vertx vertx, ModelRepository repo, JsonObject config) throws Exception {
    vertx.deployVerticle(new AnnVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    assertThat(status(vertx).ready()).isFalse();
    // No index yet: this node takes no query, so none can reach it and fail.
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(new float[8], 5, new int[0], 0)))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS));
    TrainedModel model = TestModels.random(5, 50, 8, 3);
    long v1 = repo.saveModel(model);
    repo.makeCurrent(v1);
    Eventually.until(Duration.ofSeconds(20), "index of version " + v1, () -> status(vertx).modelVersion() == v1);

    NeighbourSearchReply reply = search(vertx, new NeighbourSearchRequest(model.users().vector(0), 5, new int[] {1, 2, 3}, v1));
    assertThat(reply.modelVersion()).isEqualTo(v1);
    assertThat(reply.recommendations()).hasSize(5);
    for (int i = 0; i < 5; i++) {
      JsonObject r = reply.recommendations().getJsonObject(i);
      assertThat(r.getInteger("movie_id")).isNotIn(1, 2, 3);
      assertThat(r.getString("title")).isEqualTo("Movie " + r.getInteger("movie_id"));
      assertThat(r.getJsonArray("genres")).isNotNull();
      assertThat(r.getDouble("score")).isStrictlyBetween(0.0, 1.0);
    }
    assertThatThrownBy(() -> search(vertx, new NeighbourSearchRequest(model.users().vector(0), 5, new int[0], v1 + 7)))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED));

    long v2 = repo.saveModel(TestModels.random(5, 50, 8, 4));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(20), "index of version " + v2, () -> status(vertx).modelVersion() == v2);
    // A request made with the previous version's vector is still answered by the previous index.
    assertThat(search(vertx, new NeighbourSearchRequest(model.users().vector(0), 3, new int[0], v1)).modelVersion()).isEqualTo(v1);
    assertThat(search(vertx, new NeighbourSearchRequest(model.users().vector(0), 3, new int[0], v2)).modelVersion()).isEqualTo(v2);
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
}

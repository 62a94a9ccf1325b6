package io.recserve.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelActivated;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class EmbeddingVerticleTest {
  @TempDir Path dir;

  private static UserEmbeddingReply user(Vertx vertx, int id) throws Exception {
    return UserEmbeddingReply.fromJson(vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_USER,
        new UserEmbeddingRequest(id).toJson()).await(5, TimeUnit.SECONDS).body());
  }

  private void servesAndFollowsVersions(Vertx vertx, ModelRepository repo, JsonObject config) throws Exception {
    CopyOnWriteArrayList<ModelActivated> activated = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.MODEL_ACTIVATED, m -> activated.add(ModelActivated.fromJson(m.body())));
    vertx.deployVerticle(new EmbeddingVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> user(vertx, 1)).isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED));

    TrainedModel first = TestModels.random(20, 30, 4, 1);
    long v1 = repo.saveModel(first);
    repo.makeCurrent(v1);
    Eventually.until(Duration.ofSeconds(10), "version " + v1 + " served", () -> activated.stream().anyMatch(a -> a.modelVersion() == v1));
    UserEmbeddingReply known = user(vertx, 3);
    assertThat(known.found()).isTrue();
    assertThat(known.modelVersion()).isEqualTo(v1);
    assertThat(known.vector()).containsExactly(first.users().vector(2));
    assertThat(known.rated()).containsExactly(1, 2, 3);
    UserEmbeddingReply unknown = user(vertx, 999);
    assertThat(unknown.found()).isFalse();
    assertThat(unknown.vector()).isEmpty();

    long v2 = repo.saveModel(TestModels.random(20, 30, 4, 2));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(10), "version " + v2 + " served", () -> user(vertx, 3).modelVersion() == v2);
    assertThat(activated).extracting(ModelActivated::role).containsOnly("embedding");
    repo.makeCurrent(v1); // rollback: the version still held comes back
    Eventually.until(Duration.ofSeconds(10), "version " + v1 + " served again", () -> user(vertx, 3).modelVersion() == v1);
    assertThat(user(vertx, 3).vector()).containsExactly(first.users().vector(2));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(10), "version " + v2 + " served again", () -> user(vertx, 3).modelVersion() == v2);
    ComponentStatus status = ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("embedding"), new JsonObject())
        .await(5, TimeUnit.SECONDS).body());
    assertThat(status.ready()).isTrue();
    assertThat(status.modelVersion()).isEqualTo(v2);
  }

  @Test
  void fromTheDataFolder(Vertx vertx) throws Exception {
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString()))
        .put("model", new JsonObject().put("poll-interval-ms", 100));
    servesAndFollowsVersions(vertx, new FileModelRepository(dir), config);
  }

  @Test
  void fromPostgres(Vertx vertx) throws Exception {
    String schema = TestServices.freshSchema();
    PgModelRepository repo = new PgModelRepository(TestServices.postgresUrl(), schema);
    repo.migrate();
    JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("model", new JsonObject().put("poll-interval-ms", 100));
    servesAndFollowsVersions(vertx, repo, config);
  }

  @Test
  void aPublishInPostgresReachesTheNodeAtOnceNotAtTheNextPoll(Vertx vertx) throws Exception {
    String schema = TestServices.freshSchema();
    PgModelRepository repo = new PgModelRepository(TestServices.postgresUrl(), schema);
    repo.migrate();
    JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("model", new JsonObject().put("poll-interval-ms", 600_000));
    vertx.deployVerticle(new EmbeddingVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Thread.sleep(500); // the LISTEN connection is up
    long v1 = repo.saveModel(TestModels.random(5, 10, 4, 1));
    repo.makeCurrent(v1);
    Eventually.until(Duration.ofSeconds(5), "version " + v1 + " served without a poll", () -> user(vertx, 1).modelVersion() == v1);
  }
}

package io.recserve.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.Filters;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.UserSearchReply;
import io.recserve.contract.UserSearchRequest;
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
    return UserEmbeddingReply.of(vertx.eventBus().request(Addresses.EMBEDDING_USER,
        new UserEmbeddingRequest(id).toJson()).await(5, TimeUnit.SECONDS).body());
  }

  private static UserEmbeddingReply user(Vertx vertx, int id, ModelRef version) throws Exception {
    return UserEmbeddingReply.of(vertx.eventBus().request(Addresses.EMBEDDING_USER,
        new UserEmbeddingRequest(id, version).toJson()).await(5, TimeUnit.SECONDS).body());
  }

  private void servesAndFollowsVersions(Vertx vertx, ModelRepository repo, JsonObject config) throws Exception {
    CopyOnWriteArrayList<NodeHeartbeat> activated = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.HEARTBEAT, m -> activated.add(NodeHeartbeat.fromJson(m.body())));
    vertx.deployVerticle(new EmbeddingVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);

    // No version loaded yet: the node takes no request, so none can reach it and fail.
    assertThatThrownBy(() -> user(vertx, 1)).isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS));

    TrainedModel first = TestModels.random(20, 30, 4, 1);
    long v1 = repo.saveModel(first);
    repo.makeCurrent(v1);
    Eventually.until(Duration.ofSeconds(10), "version " + v1 + " served",
        () -> activated.stream().anyMatch(a -> a.accepting() && a.current() != null && a.current().version() == v1));
    UserEmbeddingReply known = user(vertx, 3);
    assertThat(known.found()).isTrue();
    assertThat(known.model().version()).isEqualTo(v1);
    ModelRef first1 = known.model();
    assertThat(known.vector()).containsExactly(first.users().vector(2));
    assertThat(known.rated()).containsExactly(1, 2, 3);
    UserEmbeddingReply unknown = user(vertx, 999);
    assertThat(unknown.found()).isFalse();
    assertThat(unknown.vector()).isEmpty();

    long v2 = repo.saveModel(TestModels.random(20, 30, 4, 2));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(10), "version " + v2 + " served", () -> user(vertx, 3).model().version() == v2);
    assertThat(activated).extracting(NodeHeartbeat::role).containsOnly("embedding");
    // The previous version is still held for requests under way; a version not held is refused, never swapped.
    assertThat(user(vertx, 3, first1).vector()).containsExactly(first.users().vector(2));
    assertThatThrownBy(() -> user(vertx, 3, new ModelRef(v1, "not-" + first1.id()))).isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED));
    repo.makeCurrent(v1); // rollback: the version still held comes back
    Eventually.until(Duration.ofSeconds(10), "version " + v1 + " served again", () -> user(vertx, 3).model().version() == v1);
    assertThat(user(vertx, 3).vector()).containsExactly(first.users().vector(2));
    repo.makeCurrent(v2);
    Eventually.until(Duration.ofSeconds(10), "version " + v2 + " served again", () -> user(vertx, 3).model().version() == v2);
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

  /**
   * A node that also runs the ANN role gets a known user's search in one message: the vector and rated movies go to
   * this JVM's ANN verticle, whose reply (or failure code) comes back as it was.
   */
  @Test
  void aUsersSearchInOneMessageAsksTheAnnVerticleOfThisNode(Vertx vertx) throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    TrainedModel trained = TestModels.random(20, 30, 4, 1);
    repo.makeCurrent(repo.saveModel(trained));
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString()))
        .put("model", new JsonObject().put("poll-interval-ms", 100)).put("eventbus", new JsonObject().put("timeout-ms", 5000));
    vertx.deployVerticle(new EmbeddingVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    java.util.concurrent.atomic.AtomicReference<ModelRef> served = new java.util.concurrent.atomic.AtomicReference<>();
    Eventually.until(Duration.ofSeconds(10), "a version served", () -> {
      served.set(user(vertx, 3).model()); // throws until one is
      return true;
    });
    ModelRef version = served.get();
    CopyOnWriteArrayList<NeighbourSearchRequest> searched = new CopyOnWriteArrayList<>();
    NeighbourSearchReply found = new NeighbourSearchReply(version, "here", "[]", new int[] {7}, new float[] {0.5f});
    var ann = vertx.eventBus().consumer(Addresses.onNode(Addresses.ANN_SEARCH, NodeIdentity.id()), m -> {
      NeighbourSearchRequest r = NeighbourSearchRequest.of(m.body());
      searched.add(r);
      if (r.k() == 13) m.fail(FailureCodes.INVALID, "{\"field\": \"genres\", \"message\": \"no such genre\"}");
      else m.reply(found);
    });
    ann.completion().await(5, TimeUnit.SECONDS);
    String address = Addresses.onNode(Addresses.EMBEDDING_SEARCH, NodeIdentity.id());
    Filters drama = Filters.fromJson(new JsonObject().put("genres", new io.vertx.core.json.JsonArray().add("Drama")));

    UserSearchReply known = UserSearchReply.of(vertx.eventBus().request(address, new UserSearchRequest(3, 4, version, drama).toJson())
        .await(5, TimeUnit.SECONDS).body());
    assertThat(known.found()).isTrue();
    assertThat(known.search().movieIds()).containsExactly(7);
    assertThat(searched).hasSize(1);
    assertThat(searched.get(0).vector()).containsExactly(trained.users().vector(2));
    assertThat(searched.get(0).exclude()).containsExactly(1, 2, 3);
    assertThat(searched.get(0).k()).isEqualTo(4);
    assertThat(searched.get(0).model()).isEqualTo(version);
    assertThat(searched.get(0).filters()).isEqualTo(drama);

    UserSearchReply unknown = UserSearchReply.of(vertx.eventBus().request(address, new UserSearchRequest(999, 4, version, null).toJson())
        .await(5, TimeUnit.SECONDS).body());
    assertThat(unknown.found()).isFalse();
    assertThat(unknown.search()).isNull();
    assertThat(searched).as("no search for a user the model does not know").hasSize(1);

    assertThatThrownBy(() -> vertx.eventBus().request(address, new UserSearchRequest(3, 13, version, null)).await(5, TimeUnit.SECONDS))
        .isInstanceOf(ReplyException.class).satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.INVALID));
    ann.unregister().await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> vertx.eventBus().request(address, new UserSearchRequest(3, 4, version, null)).await(5, TimeUnit.SECONDS))
        .isInstanceOf(ReplyException.class).satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED));
  }

  /** The console's reads: a user's top-rated movies (best first, ties by id) and movies' titles, in the current version. */
  @Test
  void theConsolesReadsAUsersTopRatedMoviesAndMovieTitles(Vertx vertx) throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    repo.makeCurrent(repo.saveModel(TestModels.random(20, 30, 4, 1)));
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.toString())).put("model", new JsonObject().put("poll-interval-ms", 100));
    vertx.deployVerticle(new EmbeddingVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(10), "a version served", () -> {
      try {
        return user(vertx, 4).found();
      } catch (Exception e) {
        return false;
      }
    });
    JsonObject rated = vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_RATED, new io.recserve.contract.RatedRequest(4, 3).toJson())
        .await(5, TimeUnit.SECONDS).body();
    assertThat(rated.getBoolean("known")).isTrue();
    assertThat(rated.getInteger("count")).isEqualTo(4); // user 4 rated movies 1..4, all alike: by id
    assertThat(rated.getJsonArray("rated")).isEqualTo(new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("movie_id", 1).put("title", "Movie 1").put("genres", new io.vertx.core.json.JsonArray()).put("rating", 1.0f))
        .add(new JsonObject().put("movie_id", 2).put("title", "Movie 2").put("genres", new io.vertx.core.json.JsonArray().add("Drama").add("Genre1")).put("rating", 1.0f))
        .add(new JsonObject().put("movie_id", 3).put("title", "Movie 3").put("genres", new io.vertx.core.json.JsonArray().add("Drama").add("Genre2")).put("rating", 1.0f)));
    JsonObject unknown = vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_RATED, new JsonObject().put("user_id", 999)).await(5, TimeUnit.SECONDS).body();
    assertThat(unknown.getBoolean("known")).isFalse();
    assertThat(unknown.getJsonArray("rated")).isEmpty();
    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.EMBEDDING_RATED, new JsonObject().put("user_id", 1).put("top", 0)).await(5, TimeUnit.SECONDS))
        .isInstanceOf(ReplyException.class).satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE));

    JsonObject movies = vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_MOVIES,
        new JsonObject().put("movie_ids", new io.vertx.core.json.JsonArray().add(2).add(999).add(1))).await(5, TimeUnit.SECONDS).body();
    assertThat(movies.getJsonArray("movies")).extracting(m -> ((JsonObject) m).getString("title")).containsExactly("Movie 2", "Movie 1");
    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.EMBEDDING_MOVIES, new JsonObject()).await(5, TimeUnit.SECONDS))
        .isInstanceOf(ReplyException.class);
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
    Eventually.until(Duration.ofSeconds(5), "version " + v1 + " served without a poll", () -> user(vertx, 1).model().version() == v1);
  }

  static UserModel userModel(long seed) {
    TrainedModel m = TestModels.random(5, 10, 4, seed);
    return new UserModel(m.users(), m.movies(), m.params(), null, 0);
  }

  /** A store whose second version takes as long to load as the test wants. */
  private static final class SlowStore implements io.recserve.serving.ServedModel.Source<UserModel> {
    final io.vertx.core.Promise<UserModel> secondLoad = io.vertx.core.Promise.promise();
    volatile java.util.Optional<io.recserve.model.store.VersionRef> current = java.util.Optional.of(new io.recserve.model.store.VersionRef(1, "id-1"));

    @Override
    public io.vertx.core.Future<java.util.Optional<io.recserve.model.store.VersionRef>> currentVersion() {
      return io.vertx.core.Future.succeededFuture(current);
    }

    @Override
    public io.vertx.core.Future<UserModel> load(io.recserve.model.store.VersionRef version) {
      return version.number() == 1 ? io.vertx.core.Future.succeededFuture(userModel(1)) : secondLoad.future();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void keepsAnnouncingWhatItHoldsWhileALongLoadRuns(Vertx vertx) throws Exception {
    SlowStore store = new SlowStore();
    CopyOnWriteArrayList<NodeHeartbeat> beats = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.HEARTBEAT, m -> beats.add(NodeHeartbeat.fromJson(m.body())));
    JsonObject config = new JsonObject().put("model", new JsonObject().put("poll-interval-ms", 100));
    vertx.deployVerticle(new EmbeddingVerticle(store, null), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(5), "version 1 served", () -> user(vertx, 1).model().version() == 1);
    store.current = java.util.Optional.of(new io.recserve.model.store.VersionRef(2, "id-2"));
    Eventually.until(Duration.ofSeconds(5), "version 2 loading", () -> !beats.isEmpty() && beats.get(beats.size() - 1).loading() != null);
    int before = beats.size();
    long loadingSince = System.nanoTime();
    // Ten heartbeat intervals into the load: HTTP nodes forget a node silent for two, so it must keep talking.
    Eventually.until(Duration.ofSeconds(10), "heartbeats during the load", () -> beats.size() >= before + 10);
    assertThat((System.nanoTime() - loadingSince) / 1_000_000).as("ms for ten heartbeats").isLessThan(3000);
    java.util.List<NodeHeartbeat> during = java.util.List.copyOf(beats);
    assertThat(during.subList(before, during.size())).allSatisfy(b -> {
      assertThat(b.current().id()).isEqualTo("id-1");
      assertThat(b.loading().id()).isEqualTo("id-2");
      assertThat(b.accepting()).isTrue();
    });
    assertThat(user(vertx, 1).model().id()).as("the old version serves meanwhile").isEqualTo("id-1");
    store.secondLoad.complete(userModel(2));
    Eventually.until(Duration.ofSeconds(5), "version 2 served", () -> user(vertx, 1).model().id().equals("id-2"));
    Eventually.until(Duration.ofSeconds(5), "the heartbeat says so", () -> {
      NodeHeartbeat last = beats.get(beats.size() - 1);
      return last.current().id().equals("id-2") && last.previous().id().equals("id-1") && last.loading() == null;
    });
  }
}

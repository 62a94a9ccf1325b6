package io.recserve.embedding;

import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelActivated;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.serving.PgPools;
import io.recserve.model.serving.ServedModel;
import io.recserve.model.store.UserVectors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;

/**
 * Answers {@link Addresses#EMBEDDING_USER}: a user's vector and rated movies in the model version it serves, held
 * in memory (a lookup by binary search, no I/O per request). Announces each version it starts serving on
 * {@link Addresses#MODEL_ACTIVATED}.
 */
public final class EmbeddingVerticle extends VerticleBase {
  public static final String ROLE = "embedding";
  private final UserEmbeddingStore injectedStore;
  private UserEmbeddingStore store;
  private io.vertx.pgclient.pubsub.PgSubscriber publications;
  private ServedModel<UserVectors> model;
  private final String node = ManagementFactory.getRuntimeMXBean().getName();

  public EmbeddingVerticle() {
    this(null);
  }

  /** With a given store (tests); otherwise the store follows the configuration. */
  EmbeddingVerticle(UserEmbeddingStore store) {
    this.injectedStore = store;
  }

  @Override
  public Future<?> start() {
    store = injectedStore != null ? injectedStore : UserEmbeddingStore.fromConfig(vertx, config());
    long poll = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    model = new ServedModel<>(vertx, ROLE, store, poll, this::announce, null);
    MessageConsumer<JsonObject> users = vertx.eventBus().consumer(Addresses.EMBEDDING_USER, this::user);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    MessageConsumer<JsonObject> published = vertx.eventBus().consumer(Addresses.MODEL_PUBLISHED, m -> model.check());
    if (PgPools.configured(config())) publications = CurrentModelVersion.listen(vertx, config(), model::check);
    return Future.join(users.completion(), status.completion(), published.completion()).compose(v -> model.start());
  }

  /** Tells the HTTP verticles which versions this node holds (on activation, then every poll interval). */
  private void announce() {
    long[] v = model.versions();
    if (v[0] > 0) vertx.eventBus().publish(Addresses.MODEL_ACTIVATED, new ModelActivated(ROLE, node, v[0], v[1]).toJson());
  }

  @Override
  public Future<?> stop() {
    if (publications != null) publications.close();
    if (model != null) model.stop();
    if (store != null) store.close();
    return Future.succeededFuture();
  }

  private void user(Message<JsonObject> message) {
    UserEmbeddingRequest request;
    try {
      request = UserEmbeddingRequest.fromJson(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<UserVectors> loaded = model.version(request.modelVersion());
    if (loaded == null) loaded = model.current();
    if (loaded == null) {
      message.fail(FailureCodes.MODEL_NOT_LOADED, "no model version loaded yet");
      return;
    }
    UserVectors users = loaded.value();
    int index = users.indexOf(request.userId());
    UserEmbeddingReply reply = index < 0 ? UserEmbeddingReply.unknown(request.userId(), loaded.version())
        : new UserEmbeddingReply(request.userId(), loaded.version(), true, users.vector(index), users.rated()[index]);
    message.reply(reply.toJson());
  }

  private void status(Message<JsonObject> message) {
    ServedModel.Loaded<UserVectors> loaded = model.current();
    JsonObject details = new JsonObject().put("users", loaded == null ? 0 : loaded.value().size());
    if (model.lastError() != null) details.put("error", model.lastError());
    message.reply(new ComponentStatus(ROLE, node, loaded != null, loaded == null ? 0 : loaded.version(), details).toJson());
  }
}

package io.recserve.embedding;

import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.model.store.UserVectors;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.Heartbeats;
import io.recserve.serving.NodeIdentity;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers {@link Addresses#EMBEDDING_USER} (and this node's own copy of it): a user's vector and rated movies in the
 * model version asked for, held in memory (a lookup by binary search, no I/O per request). It takes requests only once
 * its first version is loaded, and says what it holds on {@link Addresses#HEARTBEAT}.
 */
public final class EmbeddingVerticle extends VerticleBase {
  public static final String ROLE = "embedding";
  private final UserEmbeddingStore injectedStore;
  private final List<MessageConsumer<Object>> requests = new ArrayList<>();
  private UserEmbeddingStore store;
  private PgSubscriber publications;
  private ServedModel<UserVectors> model;

  public EmbeddingVerticle() {
    this(null);
  }

  /** With a given store (tests); otherwise the store follows the configuration. */
  EmbeddingVerticle(UserEmbeddingStore store) {
    this.injectedStore = store;
  }

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    store = injectedStore != null ? injectedStore : UserEmbeddingStore.fromConfig(vertx, config());
    long poll = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    model = new ServedModel<>(vertx, ROLE, store, poll, this::heartbeat, null);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    MessageConsumer<JsonObject> published = vertx.eventBus().consumer(Addresses.MODEL_PUBLISHED, m -> model.check());
    if (PgSettings.configured(config())) publications = CurrentModelVersion.listen(vertx, config(), model::check);
    return Future.join(status.completion(), published.completion()).compose(v -> model.start());
  }

  /** Registers for requests once a version is loaded, then tells the HTTP nodes what this node holds. */
  private void heartbeat() {
    if (requests.isEmpty() && model.current() != null) {
      requests.add(vertx.eventBus().consumer(Addresses.EMBEDDING_USER, this::user));
      requests.add(vertx.eventBus().consumer(Addresses.onNode(Addresses.EMBEDDING_USER, NodeIdentity.id()), this::user));
    }
    Heartbeats.publish(vertx, ROLE, !requests.isEmpty(), model);
  }

  @Override
  public Future<?> stop() {
    if (publications != null) publications.close();
    requests.forEach(MessageConsumer::unregister);
    if (model != null) model.stop();
    if (store != null) store.close();
    return Future.succeededFuture();
  }

  private void user(Message<Object> message) {
    UserEmbeddingRequest request;
    try {
      request = UserEmbeddingRequest.of(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<UserVectors> loaded = model.version(request.model() == null ? null : request.model().id());
    if (loaded == null) {
      message.fail(FailureCodes.MODEL_NOT_LOADED, "model version " + request.model() + " is not held here");
      return;
    }
    UserVectors users = loaded.value();
    int index = users.indexOf(request.userId());
    UserEmbeddingReply reply = index < 0 ? UserEmbeddingReply.unknown(request.userId(), Heartbeats.wire(loaded.ref()))
        : new UserEmbeddingReply(request.userId(), Heartbeats.wire(loaded.ref()), true, users.vector(index), users.rated()[index]);
    message.reply(reply);
  }

  private void status(Message<JsonObject> message) {
    ServedModel.Loaded<UserVectors> loaded = model.current();
    JsonObject details = new JsonObject().put("users", loaded == null ? 0 : loaded.value().size());
    if (model.loading() != null) details.put("loading_version", model.loading().number());
    if (model.lastError() != null) details.put("error", model.lastError());
    message.reply(new ComponentStatus(ROLE, NodeIdentity.id(), loaded != null, loaded == null ? 0 : loaded.ref().number(), details).toJson());
  }
}

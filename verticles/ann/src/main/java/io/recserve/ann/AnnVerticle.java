package io.recserve.ann;

import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelActivated;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.serving.PgPools;
import io.recserve.model.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@link Addresses#ANN_SEARCH} from the Lucene index of the model version the request names. The verticle
 * runs on an event loop; every search runs on the shared worker pool {@code recserve-ann-search}
 * ({@code ann.search-threads}), unordered, so searches run in parallel and the event loop never blocks.
 */
public final class AnnVerticle extends VerticleBase {
  public static final String ROLE = "ann";
  private static final Logger LOG = LoggerFactory.getLogger(AnnVerticle.class);
  private final String node = ManagementFactory.getRuntimeMXBean().getName();
  private WorkerExecutor searchers;
  private WorkerExecutor builder;
  private MovieIndexSource source;
  private io.vertx.pgclient.pubsub.PgSubscriber publications;
  private ServedModel<MovieIndex> model;
  private MessageConsumer<JsonObject> search;

  @Override
  public Future<?> start() {
    JsonObject ann = config().getJsonObject("ann", new JsonObject());
    searchers = vertx.createSharedWorkerExecutor("recserve-ann-search", ann.getInteger("search-threads", 2));
    builder = vertx.createSharedWorkerExecutor("recserve-ann-build", 1, 30, java.util.concurrent.TimeUnit.MINUTES);
    source = new MovieIndexSource(vertx, builder, config());
    long poll = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    model = new ServedModel<>(vertx, ROLE, source, poll, this::announce, retired -> closeQuietly(retired.value()));
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    MessageConsumer<JsonObject> published = vertx.eventBus().consumer(Addresses.MODEL_PUBLISHED, m -> model.check());
    if (PgPools.configured(config())) publications = CurrentModelVersion.listen(vertx, config(), model::check);
    return Future.join(status.completion(), published.completion()).compose(v -> model.start());
  }

  /** Tells the HTTP verticles which versions this node can search (on activation, then every poll interval). */
  private void announce() {
    // Queries reach this node only once it has an index: in a cluster, the others answer while it builds.
    if (search == null) search = vertx.eventBus().consumer(Addresses.ANN_SEARCH, this::search);
    long[] v = model.versions();
    if (v[0] > 0) vertx.eventBus().publish(Addresses.MODEL_ACTIVATED, new ModelActivated(ROLE, node, v[0], v[1]).toJson());
  }

  @Override
  public Future<?> stop() {
    if (publications != null) publications.close();
    if (search != null) search.unregister();
    if (model != null) {
      model.stop();
      ServedModel.Loaded<MovieIndex> current = model.current();
      if (current != null) closeQuietly(current.value());
    }
    if (source != null) source.close();
    return Future.join(searchers.close(), builder.close());
  }

  private void search(Message<JsonObject> message) {
    NeighbourSearchRequest request;
    try {
      request = NeighbourSearchRequest.fromJson(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<MovieIndex> loaded = model.version(request.modelVersion());
    if (loaded == null) {
      ServedModel.Loaded<MovieIndex> current = model.current();
      if (current != null && request.modelVersion() > current.version()) model.check();
      message.fail(FailureCodes.MODEL_NOT_LOADED, "model version " + request.modelVersion() + " is not loaded here"
          + (current == null ? " (no index loaded yet)" : " (serving " + current.version() + ")"));
      return;
    }
    searchers.executeBlocking(() -> loaded.value().search(request.vector(), request.k(), request.exclude()), false)
        .onSuccess(hits -> {
          JsonArray recommendations = new JsonArray(new java.util.ArrayList<>(hits.length));
          for (MovieIndex.Hit hit : hits) {
            JsonObject m = hit.movie();
            recommendations.add(new JsonObject().put("movie_id", m.getValue("movie_id")).put("title", m.getValue("title"))
                .put("genres", m.getValue("genres")).put("score", hit.score()));
          }
          message.reply(new NeighbourSearchReply(loaded.version(), node, recommendations).toJson());
        })
        .onFailure(e -> message.fail(FailureCodes.MODEL_NOT_LOADED, "search failed: " + e.getMessage()));
  }

  private void status(Message<JsonObject> message) {
    ServedModel.Loaded<MovieIndex> loaded = model.current();
    JsonObject details = new JsonObject().put("movies", loaded == null ? 0 : loaded.value().size())
        .put("previous_version", model.versions()[1]);
    if (model.lastError() != null) details.put("error", model.lastError());
    message.reply(new ComponentStatus(ROLE, node, loaded != null, loaded == null ? 0 : loaded.version(), details).toJson());
  }

  private static void closeQuietly(MovieIndex index) {
    try {
      index.close();
    } catch (IOException e) {
      LOG.warn("closing a retired index: {}", e.toString());
    }
  }
}

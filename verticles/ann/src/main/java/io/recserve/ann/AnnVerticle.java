package io.recserve.ann;

import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.SimilarRequest;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.Heartbeats;
import io.recserve.serving.MovieCatalogue;
import io.recserve.contract.NodeIdentity;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.apache.lucene.store.AlreadyClosedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@link Addresses#ANN_SEARCH} (and this node's own copy of it) from the Lucene index of the model version the
 * request names. The verticle runs on an event loop; every search runs on the shared worker pool
 * {@code recserve-ann-search} ({@code ann.search-threads}), unordered, so searches run in parallel and the event loop
 * never blocks. At most {@code ann.queue-max} searches wait or run at once; beyond that a request is refused at once
 * ({@link FailureCodes#OVERLOADED}) rather than queued without bound.
 */
public final class AnnVerticle extends VerticleBase {
  public static final String ROLE = "ann";
  private static final Logger LOG = LoggerFactory.getLogger(AnnVerticle.class);
  private final List<MessageConsumer<Object>> requests = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private WorkerExecutor searchers;
  private WorkerExecutor builder;
  private MovieIndexSource source;
  private PgSubscriber publications;
  private ServedModel<MovieIndex> model;
  private int queueMax;
  private int searchCandidates;

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    JsonObject ann = config().getJsonObject("ann", new JsonObject());
    searchers = vertx.createSharedWorkerExecutor("recserve-ann-search", ann.getInteger("search-threads", 2));
    builder = vertx.createSharedWorkerExecutor("recserve-ann-build", 1, 30, java.util.concurrent.TimeUnit.MINUTES);
    queueMax = ann.getInteger("queue-max", 256);
    searchCandidates = ann.getInteger("search-candidates", 0);
    source = new MovieIndexSource(vertx, builder, config());
    long poll = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    model = new ServedModel<>(vertx, ROLE, source, poll, this::heartbeat, retired -> closeQuietly(retired.value()));
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    MessageConsumer<JsonObject> published = vertx.eventBus().consumer(Addresses.MODEL_PUBLISHED, m -> model.check());
    if (PgSettings.configured(config())) publications = CurrentModelVersion.listen(vertx, config(), model::check);
    return Future.join(status.completion(), published.completion()).compose(v -> model.start());
  }

  /**
   * Registers for queries once an index is loaded (in a cluster, the others answer while it builds), tells the HTTP
   * nodes what this node holds, and drops index folders of versions it no longer holds.
   */
  private void heartbeat() {
    ServedModel.Loaded<MovieIndex> current = model.current();
    if (requests.isEmpty() && current != null) {
      for (String address : List.of(Addresses.ANN_SEARCH, Addresses.onNode(Addresses.ANN_SEARCH, NodeIdentity.id()))) {
        requests.add(vertx.eventBus().consumer(address, this::search));
      }
      for (String address : List.of(Addresses.ANN_SIMILAR, Addresses.onNode(Addresses.ANN_SIMILAR, NodeIdentity.id()))) {
        requests.add(vertx.eventBus().consumer(address, this::similar));
      }
    }
    Heartbeats.publish(vertx, ROLE, !requests.isEmpty(), model);
    if (current != null && model.loading() == null) {
      Set<VersionRef> held = new HashSet<>();
      held.add(current.ref());
      if (model.previous() != null) held.add(model.previous().ref());
      source.prune(held);
    }
  }

  @Override
  public Future<?> stop() {
    if (publications != null) publications.close();
    requests.forEach(MessageConsumer::unregister);
    if (model != null) {
      model.stop();
      ServedModel.Loaded<MovieIndex> current = model.current();
      if (current != null) closeQuietly(current.value());
    }
    if (source != null) source.close();
    return Future.join(searchers.close(), builder.close());
  }

  private void search(Message<Object> message) {
    NeighbourSearchRequest request;
    try {
      request = NeighbourSearchRequest.of(message.body());
      if (request.k() < 1) throw new IllegalArgumentException("k must be at least 1, got " + request.k());
      if (request.model() == null) throw new IllegalArgumentException("model_id is required");
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<MovieIndex> loaded = loaded(message, request.model());
    if (loaded == null) return;
    if (request.vector().length != loaded.value().factors()) {
      message.fail(FailureCodes.BAD_MESSAGE, "vector has " + request.vector().length + " dimensions, the index " + loaded.value().factors());
      return;
    }
    MovieCatalogue.Filter filter = MovieCatalogue.Filter.of(request.filters());
    int candidates = Math.max(request.k(), searchCandidates);
    run(message, loaded, () -> loaded.value().search(request.vector(), request.k(), request.exclude(), filter, candidates));
  }

  /** Similar movies: the closest by cosine to a movie of the version, the movie itself left out. */
  private void similar(Message<Object> message) {
    SimilarRequest request;
    try {
      request = SimilarRequest.of(message.body());
      if (request.k() < 1) throw new IllegalArgumentException("k must be at least 1, got " + request.k());
      if (request.model() == null) throw new IllegalArgumentException("model_id is required");
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<MovieIndex> loaded = loaded(message, request.model());
    if (loaded == null) return;
    if (loaded.value().catalogue().position(request.movieId()) < 0) {
      message.fail(FailureCodes.NOT_FOUND, "model version " + loaded.ref().number() + " does not know movie " + request.movieId());
      return;
    }
    MovieCatalogue.Filter filter = MovieCatalogue.Filter.of(request.filters());
    int candidates = Math.max(request.k(), searchCandidates);
    run(message, loaded, () -> loaded.value().similar(request.movieId(), request.k(), filter, candidates));
  }

  /** The version asked for, or null after failing the message with MODEL_NOT_LOADED. */
  private ServedModel.Loaded<MovieIndex> loaded(Message<Object> message, io.recserve.contract.ModelRef model) {
    ServedModel.Loaded<MovieIndex> loaded = model.id() == null ? null : this.model.version(model.id());
    if (loaded == null) {
      ServedModel.Loaded<MovieIndex> current = this.model.current();
      if (current != null && model.version() > current.ref().number()) this.model.check();
      message.fail(FailureCodes.MODEL_NOT_LOADED, "model version " + model + " is not loaded here"
          + (current == null ? " (no index loaded yet)" : " (serving " + current.ref().number() + ")"));
    }
    return loaded;
  }

  /** Runs a search on the worker pool, within the queue bound, and replies with its hits. */
  private void run(Message<Object> message, ServedModel.Loaded<MovieIndex> loaded, java.util.concurrent.Callable<MovieIndex.Hit[]> search) {
    if (inFlight.incrementAndGet() > queueMax) {
      inFlight.decrementAndGet();
      message.fail(FailureCodes.OVERLOADED, "more than " + queueMax + " searches waiting");
      return;
    }
    searchers.executeBlocking(search, false)
        .andThen(ar -> inFlight.decrementAndGet())
        .onSuccess(hits -> {
          int[] ids = new int[hits.length];
          float[] scores = new float[hits.length];
          for (int i = 0; i < hits.length; i++) {
            ids[i] = hits[i].movieId();
            scores[i] = (float) hits[i].score();
          }
          message.reply(new NeighbourSearchReply(Heartbeats.wire(loaded.ref()), NodeIdentity.id(), loaded.value().encode(hits), ids, scores));
        })
        .onFailure(e -> {
          if (closedUnder(e)) { // the version was retired, or this node is stopping: another node may hold it
            message.fail(FailureCodes.MODEL_NOT_LOADED, "model version " + loaded.ref().number() + " was closed here during the search");
            return;
          }
          LOG.error("ann search failed on model version {}", loaded.ref(), e);
          message.fail(FailureCodes.INTERNAL, "search failed");
        });
  }

  /** The index was closed while the search ran (Lucene's AlreadyClosedException, perhaps wrapped). */
  static boolean closedUnder(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof AlreadyClosedException) return true;
    return false;
  }

  private void status(Message<JsonObject> message) {
    ServedModel.Loaded<MovieIndex> loaded = model.current();
    JsonObject details = new JsonObject().put("movies", loaded == null ? 0 : loaded.value().size())
        .put("previous_version", model.previous() == null ? 0 : model.previous().ref().number())
        .put("searches_in_flight", inFlight.get());
    if (model.loading() != null) details.put("loading_version", model.loading().number());
    if (model.lastError() != null) details.put("error", model.lastError());
    message.reply(new ComponentStatus(ROLE, NodeIdentity.id(), loaded != null, loaded == null ? 0 : loaded.ref().number(), details).toJson());
  }

  private static void closeQuietly(MovieIndex index) {
    try {
      index.close();
    } catch (IOException e) {
      LOG.warn("closing a retired index: {}", e.toString());
    }
  }
}

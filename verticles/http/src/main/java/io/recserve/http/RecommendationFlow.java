package io.recserve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * The request path every recommendation route shares: the near-cache, the cache verticle, then embedding and ANN, all
 * in the model version the node directory says is served; then, without waiting, the cache put and the analytics
 * event. Routes parse and validate, call {@link #recommend}, and write what it returns.
 */
final class RecommendationFlow {
  private static final String[] CUTOFF_VARIANTS = new String[101];

  static {
    for (int k = 1; k <= 100; k++) CUTOFF_VARIANTS[k] = "k" + k;
  }

  private final Vertx vertx;
  private final Bus bus;
  private final NodeDirectory directory;
  private final boolean cacheEnabled;
  private final NearCache near;
  private final EventOutbox outbox;
  private final Counter cacheHits;
  private final Counter cacheMisses;

  RecommendationFlow(Vertx vertx, Bus bus, NodeDirectory directory, boolean cacheEnabled, NearCache near, EventOutbox outbox, MeterRegistry registry) {
    this.vertx = vertx;
    this.bus = bus;
    this.directory = directory;
    this.cacheEnabled = cacheEnabled;
    this.near = cacheEnabled ? near : null;
    this.outbox = outbox;
    this.cacheHits = registry == null ? null : Counter.builder("recserve_cache_requests").tag("result", "hit").register(registry);
    this.cacheMisses = registry == null ? null : Counter.builder("recserve_cache_requests").tag("result", "miss").register(registry);
  }

  /** What, besides the user and the model version, an answer depends on: the cache key's last part. */
  static String variant(RecommendationRequest request) {
    return CUTOFF_VARIANTS[request.cutoff()];
  }

  /** The answer for {@code request}, from a cache when one holds it for the version served. */
  Future<Answer> recommend(RecommendationRequest request) {
    ModelRef version = directory.servable();
    if (version == null && directory.knowsNodes("ann")) {
      return Future.failedFuture(ApiError.unavailable("no model version is held by both an embedding node and every ANN node yet"));
    }
    if (!cacheEnabled || version == null) return compute(request, version);
    String key = CacheEntry.recommendationKey(version, request.userId(), variant(request));
    if (near != null) {
      Answer hit = near.get(request.userId(), key);
      if (hit != null) {
        if (cacheHits != null) cacheHits.increment();
        return Future.succeededFuture(hit);
      }
    }
    return bus.<Object>request(Addresses.CACHE_GET, new CacheGet(key))
        .map(m -> CacheEntry.of(m.body()).value())
        .otherwise(e -> null) // a cache fault only costs the computation
        .compose(text -> {
          Answer hit = text == null ? null : Answer.fromCache(text);
          if (hit != null) {
            if (cacheHits != null) cacheHits.increment();
            if (near != null) near.put(request.userId(), key, hit);
            return Future.succeededFuture(hit);
          }
          if (cacheMisses != null) cacheMisses.increment();
          return compute(request, version);
        });
  }

  /** Embedding then ANN, both in {@code version} (null: the embedding node's current one, before any heartbeat). */
  private Future<Answer> compute(RecommendationRequest request, ModelRef version) {
    return bus.<Object>toNode("embedding", Addresses.EMBEDDING_USER, new UserEmbeddingRequest(request.userId(), version), version)
        .compose(m -> {
          UserEmbeddingReply user = UserEmbeddingReply.of(m.body());
          if (!user.found()) return Future.succeededFuture(Answer.empty(user.model()));
          NeighbourSearchRequest search = new NeighbourSearchRequest(user.vector(), request.cutoff(), user.rated(), user.model());
          return bus.<Object>toNode("ann", Addresses.ANN_SEARCH, search, user.model()).map(r -> {
            NeighbourSearchReply reply = NeighbourSearchReply.of(r.body());
            return new Answer(reply.recommendations().getBytes(StandardCharsets.UTF_8), reply.movieIds(), reply.scores(), reply.model(), false);
          });
        });
  }

  /**
   * Cache put and analytics event: nothing waits for them. Called before the answer is written, so the event is in
   * the outbox before the caller sees the answer.
   */
  void after(RecommendationRequest request, String requestId, Answer answer, long startedNanos) {
    if (cacheEnabled && !answer.cacheHit() && answer.model() != null && !answer.isEmpty()) {
      String key = CacheEntry.recommendationKey(answer.model(), request.userId(), variant(request));
      if (near != null) near.put(request.userId(), key, answer.fromCache());
      vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, answer.toCache()));
    }
    double latencyMs = (System.nanoTime() - startedNanos) / 1e6;
    outbox.add(new RecommendationEvent(requestId, RecommendationEvent.RECOMMEND, request.userId(), request.cutoff(), answer.movieIds(),
        answer.scores(), answer.model() == null ? 0 : answer.model().version(), answer.cacheHit(), latencyMs, System.currentTimeMillis()));
  }
}

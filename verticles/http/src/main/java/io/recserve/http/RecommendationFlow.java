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
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The request path every recommendation route shares: cache, then embedding, then ANN, all in the model version the
 * node directory says is served; then, without waiting, the cache put and the analytics event. Routes parse and
 * validate, call {@link #recommend}, and write what it returns.
 */
final class RecommendationFlow {
  private final Vertx vertx;
  private final Bus bus;
  private final NodeDirectory directory;
  private final boolean cacheEnabled;
  private final Counter cacheHits;
  private final Counter cacheMisses;

  RecommendationFlow(Vertx vertx, Bus bus, NodeDirectory directory, boolean cacheEnabled, MeterRegistry registry) {
    this.vertx = vertx;
    this.bus = bus;
    this.directory = directory;
    this.cacheEnabled = cacheEnabled;
    this.cacheHits = registry == null ? null : Counter.builder("recserve_cache_requests").tag("result", "hit").register(registry);
    this.cacheMisses = registry == null ? null : Counter.builder("recserve_cache_requests").tag("result", "miss").register(registry);
  }

  /** The answer for {@code request}, from the cache when it holds one for the version served. */
  Future<Answer> recommend(RecommendationRequest request) {
    ModelRef version = directory.servable();
    if (version == null && directory.knowsNodes("ann")) {
      return Future.failedFuture(ApiError.unavailable("no model version is held by both an embedding node and every ANN node yet"));
    }
    if (!cacheEnabled || version == null) return compute(request, version);
    String key = CacheEntry.recommendationKey(version, request.userId(), request.cutoff());
    return bus.<JsonObject>request(Addresses.CACHE_GET, new CacheGet(key).toJson())
        .map(m -> CacheEntry.fromJson(m.body()).value())
        .otherwise(e -> null) // a cache fault only costs the computation
        .compose(hit -> {
          if (hit != null) {
            if (cacheHits != null) cacheHits.increment();
            return Future.succeededFuture(Answer.fromCache(hit));
          }
          if (cacheMisses != null) cacheMisses.increment();
          return compute(request, version);
        });
  }

  /** Embedding then ANN, both in {@code version} (null: the embedding node's current one, before any heartbeat). */
  private Future<Answer> compute(RecommendationRequest request, ModelRef version) {
    return bus.<JsonObject>toNode("embedding", Addresses.EMBEDDING_USER, new UserEmbeddingRequest(request.userId(), version).toJson(), version)
        .compose(m -> {
          UserEmbeddingReply user = UserEmbeddingReply.fromJson(m.body());
          if (!user.found()) return Future.succeededFuture(Answer.empty(user.model()));
          JsonObject search = new NeighbourSearchRequest(user.vector(), request.cutoff(), user.rated(), user.model()).toJson();
          return bus.<JsonObject>toNode("ann", Addresses.ANN_SEARCH, search, user.model()).map(r -> {
            NeighbourSearchReply reply = NeighbourSearchReply.fromJson(r.body());
            return Answer.of(reply.recommendations(), reply.model());
          });
        });
  }

  /** Cache put and analytics event: fire and forget, nothing waits for them. Called before the answer is written. */
  void after(RecommendationRequest request, String requestId, Answer answer, long startedNanos) {
    if (cacheEnabled && !answer.cacheHit() && answer.model() != null && !answer.items().isEmpty()) {
      String key = CacheEntry.recommendationKey(answer.model(), request.userId(), request.cutoff());
      vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, answer.toCache()).toJson());
    }
    double latencyMs = (System.nanoTime() - startedNanos) / 1e6;
    vertx.eventBus().publish(Addresses.ANALYTICS_EVENTS, new RecommendationEvent(requestId, request.userId(), request.cutoff(), answer.items(),
        answer.model() == null ? 0 : answer.model().version(), answer.cacheHit(), latencyMs, Instant.now().toString()).toJson());
  }
}

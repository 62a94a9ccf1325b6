package io.recserve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.ExplainRequest;
import io.recserve.contract.Filters;
import io.recserve.contract.FoldInRequest;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.PopularRequest;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.SimilarRequest;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.contract.UserSearchReply;
import io.recserve.contract.UserSearchRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The request path every recommendation route shares: the near-cache, the cache verticle, then the embedding node
 * (a user's vector, or a fold-in of given ratings) and the ANN node, all in the model version the node directory says
 * is served; explanations and the popular fallback when asked; then, without waiting, the cache put and the analytics
 * event. Routes parse and validate, call {@link #recommend} or {@link #similar}, and write what comes back.
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

  /** Every input besides the user and the model version an answer depends on: the cache field. */
  static String variant(RecommendationRequest request) {
    String plain = CUTOFF_VARIANTS[request.cutoff()];
    if (request.filters().none() && !request.explain() && !request.popularFallback()) return plain;
    return plain + request.filters().variant() + (request.explain() ? "|e" : "") + (request.popularFallback() ? "|p" : "");
  }

  private ModelRef servable() {
    ModelRef version = directory.servable();
    if (version == null && directory.knowsNodes("ann")) {
      throw ApiError.unavailable("no model version is held by both an embedding node and every ANN node yet");
    }
    return version;
  }

  /** The answer for {@code request}, from a cache when one holds it for the version served (known users only). */
  Future<Answer> recommend(RecommendationRequest request) {
    ModelRef version;
    try {
      version = servable();
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    if (request.anonymous()) return anonymous(request, version);
    if (!cacheEnabled || version == null) return compute(request, version);
    String field = variant(request);
    NearCache.Key nearKey = new NearCache.Key(version.id(), field);
    if (near != null) {
      NearCache.Hit hit = near.get(request.userId(), nearKey);
      if (hit != null) {
        if (hit.refresh()) cached(request, version, field).onSuccess(a -> {
          if (a != null) near.renew(request.userId(), nearKey, a);
        });
        if (cacheHits != null) cacheHits.increment();
        return Future.succeededFuture(hit.answer());
      }
    }
    return cached(request, version, field).compose(hit -> {
      if (hit != null) {
        if (cacheHits != null) cacheHits.increment();
        if (near != null) near.put(request.userId(), nearKey, hit);
        return Future.succeededFuture(hit);
      }
      if (cacheMisses != null) cacheMisses.increment();
      return compute(request, version);
    });
  }

  /** The cache verticle's answer, or null (none, a fault, or one older than the user's latest change). */
  private Future<Answer> cached(RecommendationRequest request, ModelRef version, String field) {
    String key = CacheEntry.userKey(version.id(), request.userId());
    return bus.<Object>request(Addresses.CACHE_GET, new CacheGet(key, field))
        .map(m -> CacheEntry.of(m.body()).value())
        .otherwise(e -> null) // a cache fault only costs the computation
        .map(text -> {
          Answer hit = text == null ? null : Answer.fromCache(text);
          return hit != null && near != null && !near.fresh(request.userId(), hit.generation()) ? null : hit; // older than the user's change
        });
  }

  /**
   * A known user: the vector from the embedding node, then the ANN search (or the popular fallback). When another JVM
   * runs both roles and holds the version, one message to it does both ({@link Addresses#EMBEDDING_SEARCH}): two
   * crossings between JVMs instead of four. If that node lacks the version or the address (a node of an older
   * release), the two requests are made as usual.
   */
  private Future<Answer> compute(RecommendationRequest request, ModelRef version) {
    List<String> both = version == null ? List.of() : directory.searchingEmbeddingNodes(version, NodeIdentity.id());
    if (both.isEmpty()) return computeInTwo(request, version);
    return bus.toOneOf("embedding", both, Addresses.EMBEDDING_SEARCH, new UserSearchRequest(request.userId(), request.cutoff(), version, request.filters()))
        .compose(
            m -> {
              UserSearchReply user = UserSearchReply.of(m);
              return known(request, user.found(), user.model(), user.generation(), () -> Future.succeededFuture(answer(user.search())));
            },
            e -> ErrorMapping.lacksVersionOrAddress(e) ? computeInTwo(request, version) : Future.failedFuture(e));
  }

  private Future<Answer> computeInTwo(RecommendationRequest request, ModelRef version) {
    return bus.toNode("embedding", Addresses.EMBEDDING_USER, new UserEmbeddingRequest(request.userId(), version), version)
        .compose(m -> {
          UserEmbeddingReply user = UserEmbeddingReply.of(m);
          return known(request, user.found(), user.model(), user.generation(), () -> search(user.vector(), user.rated(), request, user.model()));
        });
  }

  /** What follows the embedding node's answer: the search of a user it knows, else the popular fallback or nothing. */
  private Future<Answer> known(RecommendationRequest request, boolean found, ModelRef model, long generation, Supplier<Future<Answer>> search) {
    if (!found) {
      if (!request.popularFallback()) return Future.succeededFuture(Answer.empty(model).withGeneration(generation));
      return popular(request, model, new int[0]).map(a -> a.withGeneration(generation));
    }
    return search.get()
        .compose(answer -> request.explain() ? explain(answer, new ExplainRequest(request.userId(), null, null, answer.movieIds(), answer.model())) : Future.succeededFuture(answer))
        .map(a -> a.withGeneration(generation));
  }

  /** An anonymous user: folded in from the given ratings, which are left out of the answer. Not cached. */
  private Future<Answer> anonymous(RecommendationRequest request, ModelRef version) {
    return bus.toNode("embedding", Addresses.EMBEDDING_FOLDIN, new FoldInRequest(request.ratedMovies(), request.ratings(), version), version)
        .compose(m -> {
          UserEmbeddingReply user = UserEmbeddingReply.of(m);
          return search(user.vector(), user.rated(), request, user.model())
              .compose(answer -> request.explain()
                  ? explain(answer, new ExplainRequest(null, request.ratedMovies(), request.ratings(), answer.movieIds(), answer.model()))
                  : Future.succeededFuture(answer));
        });
  }

  private Future<Answer> search(float[] vector, int[] exclude, RecommendationRequest request, ModelRef model) {
    NeighbourSearchRequest search = new NeighbourSearchRequest(vector, request.cutoff(), exclude, model, request.filters());
    return bus.toNode("ann", Addresses.ANN_SEARCH, search, model).map(r -> answer(NeighbourSearchReply.of(r)));
  }

  private Future<Answer> popular(RecommendationRequest request, ModelRef model, int[] exclude) {
    return bus.toNode("embedding", Addresses.EMBEDDING_POPULAR, new PopularRequest(request.cutoff(), exclude, model, request.filters()), model)
        .map(r -> answer(NeighbourSearchReply.of(r)));
  }

  private static Answer answer(NeighbourSearchReply reply) {
    return new Answer(reply.recommendations().getBytes(StandardCharsets.UTF_8), reply.movieIds(), reply.scores(), reply.model(), false);
  }

  /** Adds {@code "because": [{"movie_id", "title"}]} to each recommendation. */
  private Future<Answer> explain(Answer answer, ExplainRequest request) {
    if (answer.isEmpty()) return Future.succeededFuture(answer);
    return bus.toNode("embedding", Addresses.EMBEDDING_EXPLAIN, request, answer.model()).map(m -> {
      JsonArray because = ExplainRequest.because((JsonObject) m);
      JsonArray recommendations = new JsonArray(new String(answer.recommendations(), StandardCharsets.UTF_8));
      for (int i = 0; i < recommendations.size(); i++) {
        recommendations.getJsonObject(i).put("because", i < because.size() ? because.getJsonArray(i) : new JsonArray());
      }
      return answer.withRecommendations(recommendations.encode());
    });
  }

  /** The movies closest to {@code movieId} by cosine, cached per movie and variant. */
  Future<Answer> similar(int movieId, int cutoff, Filters filters) {
    ModelRef version;
    try {
      version = servable();
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    SimilarRequest request = new SimilarRequest(movieId, cutoff, version, filters);
    Future<Answer> computed;
    if (version == null) {
      computed = Future.failedFuture(ApiError.unavailable("no model version is served yet"));
    } else if (!cacheEnabled) {
      computed = similar(request);
    } else {
      String key = CacheEntry.movieKey(version.id(), movieId);
      String field = CUTOFF_VARIANTS[cutoff] + filters.variant();
      computed = bus.<Object>request(Addresses.CACHE_GET, new CacheGet(key, field))
          .map(m -> CacheEntry.of(m.body()).value())
          .otherwise(e -> null)
          .compose(text -> text != null ? Future.succeededFuture(Answer.fromCache(text)) : similar(request).andThen(ar -> {
            if (ar.succeeded() && !ar.result().isEmpty()) vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, field, ar.result().toCache()));
          }));
    }
    return computed;
  }

  private Future<Answer> similar(SimilarRequest request) {
    return bus.toNode("ann", Addresses.ANN_SIMILAR, request, request.model()).map(r -> answer(NeighbourSearchReply.of(r)));
  }

  /**
   * Cache put (known users) and analytics event: nothing waits for them. Called before the answer is written, so the
   * event is in the outbox before the caller sees the answer. An answer computed before the user's latest change is
   * not cached.
   */
  void after(RecommendationRequest request, String requestId, Answer answer, long startedNanos) {
    if (cacheEnabled && !request.anonymous() && !answer.cacheHit() && answer.model() != null && !answer.isEmpty()
        && (near == null || near.fresh(request.userId(), answer.generation()))) {
      String key = CacheEntry.userKey(answer.model().id(), request.userId());
      String field = variant(request);
      if (near != null) near.put(request.userId(), new NearCache.Key(answer.model().id(), field), answer.fromCache());
      vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, field, answer.toCache(), request.userId(), answer.generation()));
    }
    event(requestId, request.anonymous() ? RecommendationEvent.ANONYMOUS : RecommendationEvent.RECOMMEND, request.userId(), request.cutoff(), answer, startedNanos);
  }

  /** The analytics event of any answered request. */
  void event(String requestId, String kind, Integer userId, int cutoff, Answer answer, long startedNanos) {
    double latencyMs = (System.nanoTime() - startedNanos) / 1e6;
    outbox.add(new RecommendationEvent(requestId, kind, userId, cutoff, answer.movieIds(), answer.scores(),
        answer.model() == null ? 0 : answer.model().version(), answer.cacheHit(), latencyMs, System.currentTimeMillis()));
  }
}

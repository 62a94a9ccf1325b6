package io.recserve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelActivated;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.SummaryRequest;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST front: parses and validates, then drives the request path over the event bus
 * (cache, embedding, ann, cache put, analytics event) with a timeout on every request.
 * Timeouts and missing or failing verticles become 503 answers; nothing hangs.
 */
public final class HttpVerticle extends VerticleBase {
  public static final String ROLE = "http";
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final Buffer HEALTH = new JsonObject().put("status", "ok").toBuffer();
  private static final List<String> DEPENDENCIES = List.of("embedding", "ann", "cache", "analytics");

  private DeliveryOptions requestOptions;
  private long timeoutMillis;
  private boolean cacheEnabled;
  private ServingVersions versions;
  private long expireTimer;
  private HttpServer server;
  private Buffer openApi;
  private Counter cacheHits;
  private Counter cacheMisses;
  private MeterRegistry registry;

  /**
   * What /recommend answers with, and where it came from: the recommendations as JSON text (encoded once, cached as
   * text, spliced into each response) and the (movie_id, score) items the analytics event carries.
   */
  private record Answer(String recommendations, JsonArray items, long modelVersion, boolean cacheHit) {
    static Answer of(JsonArray recommendations, long modelVersion) {
      JsonArray items = new JsonArray(new java.util.ArrayList<>(recommendations.size()));
      for (int i = 0; i < recommendations.size(); i++) {
        JsonObject r = recommendations.getJsonObject(i);
        items.add(new JsonObject().put("movie_id", r.getValue("movie_id")).put("score", r.getValue("score")));
      }
      return new Answer(recommendations.encode(), items, modelVersion, false);
    }

    /** The cached form: {"model_version": 3, "recommendations": "[...]", "items": [...]}. */
    JsonObject toCache() {
      return new JsonObject().put("model_version", modelVersion).put("recommendations", recommendations).put("items", items);
    }

    static Answer fromCache(JsonObject value) {
      return new Answer(value.getString("recommendations"), value.getJsonArray("items"), value.getLong("model_version"), true);
    }
  }

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http", new JsonObject());
    timeoutMillis = config().getJsonObject("eventbus", new JsonObject()).getLong("timeout-ms", 2000L);
    requestOptions = new DeliveryOptions().setSendTimeout(timeoutMillis);
    cacheEnabled = config().getJsonObject("cache", new JsonObject()).getBoolean("enabled", true);
    registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      cacheHits = Counter.builder("recserve_cache_requests").tag("result", "hit").register(registry);
      cacheMisses = Counter.builder("recserve_cache_requests").tag("result", "miss").register(registry);
    }

    Router router = Router.router(vertx);
    router.get("/health-check").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(HEALTH));
    router.post("/recommend").handler(BodyHandler.create(false).setBodyLimit(http.getLong("max-body-bytes", 65536L)))
        .handler(this::requireJson).handler(this::recommend);
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness()));
    router.get("/analytics/summary").handler(this::summary);
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("content-type", "application/yaml").end(openApi));
    if (registry != null) router.get("/metrics").handler(PrometheusScrapingHandler.create());
    router.errorHandler(404, ctx -> error(ctx, new ApiError(404, "not_found", "no route " + ctx.request().method() + " " + ctx.request().path(), null, null)));
    router.errorHandler(405, ctx -> error(ctx, new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null, null)));
    router.errorHandler(413, ctx -> error(ctx, new ApiError(413, "body_too_large", "request body exceeds " + http.getLong("max-body-bytes", 65536L) + " bytes", null, null)));
    router.errorHandler(500, ctx -> {
      if (ctx.failure() instanceof ApiError e) {
        error(ctx, e);
      } else {
        LOG.error("unexpected failure on {}", ctx.request().path(), ctx.failure());
        error(ctx, new ApiError(500, "internal_error", "internal error", null, null));
      }
    });

    long pollMillis = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    versions = new ServingVersions(pollMillis);
    expireTimer = vertx.setPeriodic(pollMillis, id -> versions.expire());
    MessageConsumer<JsonObject> activated = vertx.eventBus().consumer(Addresses.MODEL_ACTIVATED,
        m -> versions.heard(ModelActivated.fromJson(m.body())));

    server = vertx.createHttpServer(new HttpServerOptions().setPort(http.getInteger("port", 8080))
        .setHost(http.getString("host", "0.0.0.0")).setTcpNoDelay(true).setCompressionSupported(false))
        .requestHandler(router);
    return Future.join(vertx.fileSystem().readFile("openapi.yaml").andThen(ar -> openApi = ar.result()),
        activated.completion(), server.listen()).onSuccess(v -> LOG.info("HTTP listening on port {}", server.actualPort()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(expireTimer);
    return Future.succeededFuture();
  }

  // ---- /recommend ----

  private void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("content-type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      error(ctx, new ApiError(415, "unsupported_media_type", "Content-Type must be application/json, got " + (type == null ? "none" : type), null, null));
      return;
    }
    ctx.next();
  }

  private void recommend(RoutingContext ctx) {
    long started = System.nanoTime();
    RecommendationRequest request;
    try {
      request = RecommendationRequest.parse(ctx.body().buffer());
    } catch (ApiError e) {
      error(ctx, e);
      return;
    }
    String requestId = fastUuid();
    long version = versions.servable();
    String key = CacheEntry.recommendationKey(version, request.userId(), request.cutoff());
    boolean askCache = cacheEnabled && version > 0;
    Future<JsonObject> cached = askCache
        ? vertx.eventBus().<JsonObject>request(Addresses.CACHE_GET, new CacheGet(key).toJson(), requestOptions)
            .map(m -> CacheEntry.fromJson(m.body()).value())
            .otherwise(e -> {
              countFailure(Addresses.CACHE_GET, e);
              return null;
            })
        : Future.succeededFuture(null);
    cached.compose(hit -> {
      if (hit != null) {
        if (cacheHits != null) cacheHits.increment();
        return Future.succeededFuture(Answer.fromCache(hit));
      }
      if (cacheMisses != null && askCache) cacheMisses.increment();
      return compute(request, version);
    }).onSuccess(answer -> {
      // Event and cache put first: both only enqueue, and so the event exists before the caller sees the answer.
      afterAnswer(request, requestId, answer, started);
      ctx.response().putHeader("content-type", "application/json")
          .end("{\"request_id\":\"" + requestId + "\",\"recommendations\":" + answer.recommendations() + "}");
    }).onFailure(e -> error(ctx, toApiError(e)));
  }

  /** Embedding then ANN, both in model version {@code version} (0: the embedding node's current one). */
  private Future<Answer> compute(RecommendationRequest request, long version) {
    return vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_USER, new UserEmbeddingRequest(request.userId(), version).toJson(), requestOptions)
        .recover(e -> fail(Addresses.EMBEDDING_USER, e))
        .compose(m -> {
          UserEmbeddingReply user = UserEmbeddingReply.fromJson(m.body());
          if (!user.found()) return Future.succeededFuture(Answer.of(new JsonArray(), user.modelVersion()));
          JsonObject search = new NeighbourSearchRequest(user.vector(), request.cutoff(), user.rated(), user.modelVersion()).toJson();
          return vertx.eventBus().<JsonObject>request(Addresses.ANN_SEARCH, search, requestOptions)
              // A node that lacks the version answers at once; the next request goes to another node.
              .recover(e -> notLoaded(e) ? vertx.eventBus().request(Addresses.ANN_SEARCH, search, requestOptions) : Future.failedFuture(e))
              .recover(e -> fail(Addresses.ANN_SEARCH, e))
              .map(r -> {
                NeighbourSearchReply reply = NeighbourSearchReply.fromJson(r.body());
                return Answer.of(reply.recommendations(), reply.modelVersion());
              });
        });
  }

  private static boolean notLoaded(Throwable e) {
    return e instanceof ReplyException r && r.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE
        && r.failureCode() == FailureCodes.MODEL_NOT_LOADED;
  }

  /** Cache put and analytics event: fire and forget, nothing waits for them. */
  private void afterAnswer(RecommendationRequest request, String requestId, Answer answer, long started) {
    if (cacheEnabled && !answer.cacheHit() && !answer.items().isEmpty()) {
      String key = CacheEntry.recommendationKey(answer.modelVersion(), request.userId(), request.cutoff());
      vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, answer.toCache()).toJson());
    }
    double latencyMs = (System.nanoTime() - started) / 1e6;
    vertx.eventBus().publish(Addresses.ANALYTICS_EVENTS, new RecommendationEvent(requestId, request.userId(), request.cutoff(), answer.items(),
        answer.modelVersion(), answer.cacheHit(), latencyMs, Instant.now().toString()).toJson());
  }

  // ---- failures ----

  private <T> Future<T> fail(String address, Throwable e) {
    countFailure(address, e);
    return Future.failedFuture(e instanceof ReplyException r ? new AddressedFailure(address, r) : e);
  }

  private void countFailure(String address, Throwable e) {
    if (registry == null) return;
    String kind = e instanceof ReplyException r ? r.failureType().name() : "ERROR";
    Counter.builder("recserve_eventbus_request_failures").tag("address", address).tag("failure", kind).register(registry).increment();
  }

  /** A ReplyException with the address it came from, for a message that says which verticle failed. */
  private static final class AddressedFailure extends RuntimeException {
    final String address;
    final ReplyException cause;

    AddressedFailure(String address, ReplyException cause) {
      super(cause.getMessage(), cause, false, false);
      this.address = address;
      this.cause = cause;
    }
  }

  private ApiError toApiError(Throwable e) {
    if (e instanceof ApiError api) return api;
    String address = "a verticle";
    ReplyException reply = null;
    if (e instanceof AddressedFailure a) {
      address = a.address;
      reply = a.cause;
    } else if (e instanceof ReplyException r) {
      reply = r;
    }
    if (reply != null) {
      return switch (reply.failureType()) {
        case NO_HANDLERS -> ApiError.unavailable("no verticle is serving " + address);
        case TIMEOUT -> ApiError.unavailable(address + " did not answer within " + timeoutMillis + " ms");
        case RECIPIENT_FAILURE -> reply.failureCode() == FailureCodes.BAD_MESSAGE
            ? new ApiError(500, "internal_error", address + " rejected the message: " + reply.getMessage(), null, null)
            : ApiError.unavailable(address + ": " + reply.getMessage());
        default -> ApiError.unavailable(address + ": " + reply.getMessage());
      };
    }
    LOG.error("unexpected failure", e);
    return new ApiError(500, "internal_error", "internal error", null, null);
  }

  private static void error(RoutingContext ctx, ApiError e) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(e.status).putHeader("content-type", "application/json");
    if (e.retryAfterSeconds != null) ctx.response().putHeader("retry-after", e.retryAfterSeconds.toString());
    ctx.response().end(e.toJson().toBuffer());
  }

  // ---- readiness and analytics ----

  private HealthChecks readiness() {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("model", promise -> {
      long servable = versions.servable();
      JsonObject data = new JsonObject().put("serving_version", servable).put("nodes", versions.describe());
      promise.complete(servable > 0 ? Status.OK(data) : Status.KO(data));
    });
    for (String role : DEPENDENCIES) {
      if (role.equals("cache") && !cacheEnabled) continue;
      checks.register(role, timeoutMillis, promise -> vertx.eventBus().<JsonObject>request(Addresses.status(role), new JsonObject(), requestOptions)
          .onSuccess(m -> {
            ComponentStatus s = ComponentStatus.fromJson(m.body());
            JsonObject data = s.details().copy().put("node", s.node());
            if (s.modelVersion() > 0) data.put("model_version", s.modelVersion());
            promise.complete(s.ready() ? Status.OK(data) : Status.KO(data));
          })
          .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("error", toApiError(e).getMessage())))));
    }
    return checks;
  }

  private void summary(RoutingContext ctx) {
    long window;
    int top;
    try {
      window = queryLong(ctx, "window", 3600, 1, 366L * 24 * 3600);
      top = (int) queryLong(ctx, "top", 10, 1, 1000);
    } catch (ApiError e) {
      error(ctx, e);
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.ANALYTICS_SUMMARY, new SummaryRequest(window, top).toJson(), requestOptions)
        .recover(e -> fail(Addresses.ANALYTICS_SUMMARY, e))
        .onSuccess(m -> ctx.response().putHeader("content-type", "application/json").end(m.body().toBuffer()))
        .onFailure(e -> error(ctx, toApiError(e)));
  }

  private static long queryLong(RoutingContext ctx, String name, long fallback, long min, long max) {
    String value = ctx.request().getParam(name);
    if (value == null) return fallback;
    try {
      long v = Long.parseLong(value);
      if (v < min || v > max) throw ApiError.badField(name, name + " must lie between " + min + " and " + max);
      return v;
    } catch (NumberFormatException e) {
      throw ApiError.badField(name, name + " must be an integer");
    }
  }

  /** A random (version 4) UUID without SecureRandom's lock: request ids need uniqueness, not secrecy. */
  static String fastUuid() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}

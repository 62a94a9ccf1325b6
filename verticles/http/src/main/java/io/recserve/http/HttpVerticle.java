package io.recserve.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.NodeHeartbeat;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST front. It wires the routes ({@link RecommendRoutes}, {@link OpsRoutes}), the shared request path
 * ({@link RecommendationFlow}), error mapping ({@link ErrorMapping}) and the table of live nodes
 * ({@link NodeDirectory}, fed by heartbeats), and starts the HTTP server. Nothing here handles a request itself.
 */
public final class HttpVerticle extends VerticleBase {
  public static final String ROLE = "http";
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final Buffer HEALTH = new JsonObject().put("status", "ok").toBuffer();

  private HttpServer server;
  private long expireTimer;

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http", new JsonObject());
    JsonObject eventbus = config().getJsonObject("eventbus", new JsonObject());
    long timeoutMillis = eventbus.getLong("timeout-ms", 2000L);
    long retryMillis = eventbus.getLong("retry-timeout-ms", Math.max(50, timeoutMillis / 4));
    boolean cacheEnabled = config().getJsonObject("cache", new JsonObject()).getBoolean("enabled", true);
    long heartbeatMillis = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    long maxBody = http.getLong("max-body-bytes", 65536L);
    MeterRegistry registry = BackendRegistries.getDefaultNow();

    NodeDirectory directory = new NodeDirectory(heartbeatMillis);
    expireTimer = vertx.setPeriodic(heartbeatMillis, id -> directory.expire());
    MessageConsumer<JsonObject> heartbeats = vertx.eventBus().consumer(Addresses.HEARTBEAT, m -> directory.heard(NodeHeartbeat.fromJson(m.body())));
    Bus bus = new Bus(vertx, directory, timeoutMillis, retryMillis, registry);
    RecommendationFlow flow = new RecommendationFlow(vertx, bus, directory, cacheEnabled, registry);

    return vertx.fileSystem().readFile("openapi.yaml").compose(openApi -> {
      Router router = Router.router(vertx);
      router.get("/health-check").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(HEALTH));
      new RecommendRoutes(flow, timeoutMillis).mount(router, maxBody);
      new OpsRoutes(bus, new Readiness(vertx, directory, bus, cacheEnabled).checks(), openApi).mount(router, registry != null);
      routerErrors(router, maxBody);
      server = vertx.createHttpServer(new HttpServerOptions().setPort(http.getInteger("port", 8080))
          .setHost(http.getString("host", "127.0.0.1")).setTcpNoDelay(true).setCompressionSupported(false))
          .requestHandler(router);
      return Future.join(heartbeats.completion(), server.listen());
    }).onSuccess(v -> LOG.info("HTTP listening on {}:{}", http.getString("host", "127.0.0.1"), server.actualPort()));
  }

  private static void routerErrors(Router router, long maxBody) {
    router.errorHandler(404, ctx -> ErrorMapping.send(ctx, new ApiError(404, "not_found", "no route " + ctx.request().method() + " " + ctx.request().path(), null, null)));
    router.errorHandler(405, ctx -> ErrorMapping.send(ctx, new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null, null)));
    router.errorHandler(413, ctx -> ErrorMapping.send(ctx, new ApiError(413, "body_too_large", "request body exceeds " + maxBody + " bytes", null, null)));
    router.errorHandler(500, ctx -> ErrorMapping.send(ctx, ErrorMapping.toApiError(ctx.failure(), 0, "-")));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(expireTimer);
    return Future.succeededFuture();
  }
}

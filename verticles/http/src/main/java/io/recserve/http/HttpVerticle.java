package io.recserve.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.UserChanged;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.backends.BackendRegistries;
import io.recserve.security.ConnectionGuard;
import io.recserve.security.ConnectionLimit;
import io.recserve.security.Guard;
import io.recserve.security.HostNames;
import io.recserve.security.KeyRing;
import io.recserve.security.ListenerConnections;
import io.recserve.security.RateLimits;
import io.recserve.security.RequestHead;
import io.recserve.security.TlsFiles;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST front. It wires the routes ({@link RecommendRoutes}, {@link MovieRoutes}, {@link FeedbackRoutes},
 * {@link OpsRoutes}), the spreading of users' changes ({@link UserChanges}), the shared request path
 * ({@link RecommendationFlow}), error mapping ({@link ErrorMapping}) and the table of live nodes
 * ({@link NodeDirectory}, fed by heartbeats), and starts the HTTP server. Nothing here handles a request itself.
 * The request rules are those of {@code openapi.yaml} ({@link OpenApiRules}), the document served at /openapi.yaml.
 * With API keys configured ({@code security.*}), {@link ApiKeyGuard} stands in front of every route but
 * {@code /health-check} and {@code /ready}; without, there is no guard at all. The server optionally speaks TLS
 * ({@code http.tls}) and bounds its open connections ({@code http.max-connections}).
 */
public final class HttpVerticle extends VerticleBase {
  public static final String ROLE = "http";
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final Buffer HEALTH = new JsonObject().put("status", "ok").toBuffer();
  /** What the HTTP parser holds: the request line (414 beyond) and all headers (431 beyond), Vert.x's defaults. */
  static final int MAX_REQUEST_LINE = 4096;
  static final int MAX_HEADERS = 8192;

  private HttpServer server;
  private ConnectionGuard guard;
  private EventOutbox outbox;
  private long stopTimeoutMillis;
  private long expireTimer;
  private long heartbeatTimer;
  private KeyRing keys;

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
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
    Bus bus = new Bus(vertx, directory, timeoutMillis, retryMillis, registry, eventbus.getInteger("relay-batch-max", 64));
    JsonObject cache = config().getJsonObject("cache", new JsonObject());
    NearCache near = NearCache.of(vertx, cache.getLong("near-max-bytes", 64L << 20), cache.getLong("near-ttl-seconds", 10L));
    JsonObject analytics = config().getJsonObject("analytics", new JsonObject());
    outbox = new EventOutbox(vertx, analytics.getInteger("send-batch-size", 1024), analytics.getLong("batch-age-ms", 250L),
        analytics.getInteger("outbox-max", 100_000), analytics.getInteger("send-in-flight", 16), analytics.getLong("send-timeout-ms", 10_000L),
        analytics.getLong("retry-max-ms", 5000L), registry);
    stopTimeoutMillis = analytics.getLong("stop-timeout-ms", 30_000L);
    RecommendationFlow flow = new RecommendationFlow(vertx, bus, directory, cacheEnabled, near, outbox, registry);
    UserChanges changes = new UserChanges(vertx, directory, cacheEnabled ? near : null, timeoutMillis);
    // This node's near-cache learns of a user's change from the node that took it, before that one confirms it.
    MessageConsumer<Object> invalidations = vertx.eventBus().consumer(Addresses.onNode(Addresses.HTTP_INVALIDATE, NodeIdentity.id()), m -> {
      changes.invalidated(UserChanged.of(m.body()));
      m.reply(new JsonObject());
    });
    NodeHeartbeat beat = new NodeHeartbeat(ROLE, NodeIdentity.id(), true, null, null, null);
    heartbeatTimer = vertx.setPeriodic(0, heartbeatMillis, id -> vertx.eventBus().publish(Addresses.HEARTBEAT, beat.toJson()));

    HealthChecks checks = new Readiness(vertx, directory, bus, cacheEnabled, outbox).checks();
    // The detailed checks, for this node's management listener only (a local consumer: never reached across the cluster).
    MessageConsumer<Object> readiness = vertx.eventBus().localConsumer(Addresses.HTTP_READINESS, m ->
        checks.checkStatus().onComplete(ar -> m.reply(ar.succeeded() ? ar.result().toJson() : CheckResult.from("readiness", ar.cause()).toJson())));

    HttpServerOptions options;
    try {
      // Bounds on what a client may hold: an idle connection, a head that never completes (ConnectionGuard), a
      // request line or headers beyond what the parser keeps. HTTP/1.1 only: with h2c on, Vert.x announces a
      // connection only once its first request head is complete, so the guard would never see a trickled first head.
      options = new HttpServerOptions().setPort(http.getInteger("port", 8080))
          .setHost(http.getString("host", "127.0.0.1")).setTcpNoDelay(true).setCompressionSupported(false).setHttp2ClearTextEnabled(false)
          .setIdleTimeout(http.getInteger("idle-timeout-ms", 30_000)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
          .setMaxInitialLineLength(MAX_REQUEST_LINE).setMaxHeaderSize(MAX_HEADERS);
      PemKeyCertOptions tls = TlsFiles.keyCert(http.getJsonObject("tls"), "http.tls");
      if (tls != null) options.setSsl(true).setKeyCertOptions(tls);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Future<KeyRing> keyRing = KeyRing.configured(config()) ? KeyRing.start(vertx, config()) : Future.succeededFuture(null);
    return Future.all(vertx.fileSystem().readFile("openapi.yaml"), keyRing, OpenApiRules.load(vertx, "openapi.yaml")).compose(loaded -> {
      Buffer openApi = loaded.resultAt(0);
      keys = loaded.resultAt(1);
      OpenApiRules rules = loaded.resultAt(2);
      // The public API for the console on any node's management listener (see ConsoleApi).
      MessageConsumer<JsonObject> consoleApi = vertx.eventBus().consumer(Addresses.HTTP_API, new ConsoleApi(flow, rules, timeoutMillis)::handle);
      Router router = Router.router(vertx);
      // A client that closed its connection before its body was read: no one to answer, and not the server's error.
      // vertx-web's body handler fails such a request with status 200, which it then logs as an ERROR with a stack
      // trace, one per request: a log any client could fill.
      router.route().failureHandler(ctx -> {
        if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) LOG.debug("{} {}: the client left mid-request", ctx.request().method(), ctx.request().path());
        else if (RequestHead.undecodable(ctx.failure())) { // a malformed chunk: the client's fault, answered if still possible
          LOG.debug("{} {}: the body does not decode: {}", ctx.request().method(), ctx.request().path(), ctx.failure().toString());
          ErrorMapping.sendAndClose(ctx.request(), new ApiError(400, "bad_request", "the request body's chunks do not decode", null, null));
        } else ctx.next();
      });
      // A chunked request is answered, then its connection closed (RequestHead; headChecked refuses what follows it).
      // Through the routing context's end handlers: the response's own is vertx-web's, which replaces one set before.
      router.route().handler(ctx -> {
        if (RequestHead.chunked(ctx.request())) ctx.addEndHandler(v -> ctx.request().connection().close());
        ctx.next();
      });
      HttpMetrics metrics = HttpMetrics.of(registry);
      if (metrics != null) router.route().handler(metrics);
      OpsRoutes ops = new OpsRoutes(checks, openApi);
      router.get("/health-check").method(io.vertx.core.http.HttpMethod.HEAD).handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(HEALTH));
      ops.mountReady(router);
      if (keys != null && keys.apiGuarded()) router.route().handler(new ApiKeyGuard(new Guard(keys, RateLimits.shared(vertx, config()))));
      new RecommendRoutes(flow, rules, timeoutMillis).mount(router, maxBody);
      new MovieRoutes(flow, rules, timeoutMillis).mount(router);
      new FeedbackRoutes(bus, changes, flow, rules).mount(router, maxBody);
      ops.mountOpenApi(router);
      routerErrors(router, rules, maxBody);
      // What the parser refuses is answered as JSON and the connection closed.
      server = vertx.createHttpServer(options)
          .invalidRequestHandler(request -> ErrorMapping.sendAndClose(request, ErrorMapping.invalidRequest(request, MAX_REQUEST_LINE, MAX_HEADERS)));
      long headerMillis = http.getLong("header-timeout-ms", 10_000L);
      guard = headerMillis > 0 ? new ConnectionGuard(vertx, headerMillis) : null;
      int maxConnections = http.getInteger("max-connections", 4096);
      ConnectionLimit limit = maxConnections > 0 ? ConnectionLimit.shared(vertx, "http", maxConnections) : null;
      Handler<HttpConnection> tracking = ListenerConnections.tracking(limit, guard);
      if (tracking != null) server.connectionHandler(tracking);
      String host = http.getString("host", "127.0.0.1");
      String hostNames = http.getString("host-names", "");
      Handler<HttpServerRequest> handler = headChecked(limited(router, limit), Math.max(maxBody, RecommendRoutes.BATCH_BODY_BYTES),
          HostNames.loopback(host) || !hostNames.isBlank() ? new HostNames(host, hostNames) : null);
      if (guard != null) {
        guard.start();
        handler = guard.wrap(handler);
      }
      server.requestHandler(handler);
      return Future.join(heartbeats.completion(), invalidations.completion(), readiness.completion(), consoleApi.completion(), server.listen());
    }).onSuccess(v -> LOG.info("HTTP listening on {}:{}{}{}", http.getString("host", "127.0.0.1"), server.actualPort(),
        options.isSsl() ? " (TLS)" : "", keys != null && keys.apiGuarded() ? ", API keys required" : ""));
  }

  /**
   * Every request's head, checked before routing ({@link RequestHead}), each refusal answered and its connection
   * closed: two Host headers, or a Transfer-Encoding not ending in chunked, a 400; nothing after a chunked request
   * answered on its connection; a query that is not percent-encoding a 400; a declared body larger than any route takes
   * ({@code largestBody}) a 413. Then a Host naming another site is a 403: through DNS rebinding, a web page in a
   * browser on this machine could otherwise call a loopback node's API, writes included (found by a hostile run on the
   * management listener). Checked on a loopback listener, or wherever {@code http.host-names} is set; a null
   * {@code hosts} is no check. The last Host let through is kept: a client sends the same one every time.
   */
  private static Handler<HttpServerRequest> headChecked(Handler<HttpServerRequest> next, long largestBody, HostNames hosts) {
    ApiError refused = new ApiError(403, "forbidden", "the Host names no name of this listener (an address, localhost, http.host or http.host-names)", null, null);
    String[] passed = {null}; // this verticle instance's: one event loop
    RequestHead.AfterChunked afterChunked = new RequestHead.AfterChunked();
    ApiError undecodableQuery = new ApiError(400, "bad_request", "the query is not valid percent-encoding", null, null);
    // Found by a hostile run: a GET (or a 404, a 405) declaring 100 GB had it read and thrown away, 17.8 GB in 10 s.
    ApiError tooLarge = new ApiError(413, "body_too_large", "request body exceeds " + largestBody + " bytes", null, null);
    return request -> {
      String ambiguity = RequestHead.ambiguity(request);
      if (ambiguity != null) {
        ErrorMapping.sendAndClose(request, new ApiError(400, "bad_request", ambiguity, null, null));
        return;
      }
      if (!afterChunked.admit(request)) return;
      if (!RequestHead.decodableQuery(request)) {
        ErrorMapping.sendAndClose(request, undecodableQuery);
        return;
      }
      if (RequestHead.declaredLength(request) > largestBody) { // on any route: the body routes check their own bound
        ErrorMapping.sendAndClose(request, tooLarge);
        return;
      }
      String host = request.getHeader("host");
      if (hosts != null && host != null && !host.equals(passed[0])) {
        if (!hosts.allowed(host)) {
          ErrorMapping.sendAndClose(request, refused);
          return;
        }
        passed[0] = host;
      }
      next.handle(request);
    };
  }

  /**
   * The router behind the node's connection bound: a request on a connection accepted beyond the bound's open ones
   * is answered 503 and its connection closed. A null bound ({@code http.max-connections: 0}) is no bound.
   */
  private static Handler<HttpServerRequest> limited(Router router, ConnectionLimit limit) {
    if (limit == null) return router;
    ApiError busy = ApiError.unavailable("this node has too many open connections (" + limit.max() + "); retry on a new connection");
    return request -> {
      if (limit.refuses(request.connection())) ErrorMapping.sendAndClose(request, busy);
      else router.handle(request);
    };
  }

  private static void routerErrors(Router router, OpenApiRules rules, long maxBody) {
    router.errorHandler(404, ctx -> ErrorMapping.send(ctx, new ApiError(404, "not_found", "no such route (the routes are in /openapi.yaml)", null, null)));
    router.errorHandler(405, ctx -> {
      String allowed = rules.allowed(ctx.normalizedPath()); // the path as the router matched it
      if (allowed != null) ctx.response().putHeader("allow", allowed);
      ErrorMapping.send(ctx, new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on this route"
          + (allowed != null ? " (" + allowed + ")" : ""), null, null));
    });
    // The rest of the body is not read: the answer says Connection: close, and the connection is closed at once.
    router.errorHandler(413, ctx -> ErrorMapping.sendAndClose(ctx.request(), new ApiError(413, "body_too_large", "request body exceeds "
        + RecommendRoutes.bodyLimit(ctx.normalizedPath(), maxBody) + " bytes", null, null)));
    router.errorHandler(500, ctx -> ErrorMapping.send(ctx, ErrorMapping.toApiError(ctx.failure(), 0, "-")));
    // vertx-web's own refusals: a path or query that is no valid percent-encoding, an HTTP/1.1 request without Host, a
    // body it cannot read (400); an Expect other than 100-continue (417). Answered as JSON and the connection closed,
    // as the parser's refusals are; without these handlers vertx-web answered in plain text and logged an ERROR each
    // time (found by a hostile run: any client could fill the log).
    router.errorHandler(400, ctx -> ErrorMapping.sendAndClose(ctx.request(), new ApiError(400, "bad_request",
        ErrorMapping.publicText(ctx.failure() == null ? null : ctx.failure().getMessage(), "the request cannot be read"), null, null)));
    router.errorHandler(417, ctx -> ErrorMapping.sendAndClose(ctx.request(), new ApiError(417, "expectation_failed",
        "only Expect: 100-continue is understood", null, null)));
  }

  /** Stops taking requests, then waits until an analytics node confirmed every event of the answers given. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(expireTimer);
    vertx.cancelTimer(heartbeatTimer);
    if (guard != null) guard.stop();
    if (keys != null) keys.close(vertx);
    long shutdownMillis = config().getJsonObject("http", new JsonObject()).getLong("shutdown-timeout-ms", 5000L);
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(shutdownMillis, TimeUnit.MILLISECONDS);
    return closed.transform(ar -> outbox == null ? Future.succeededFuture() : outbox.flush(System.currentTimeMillis() + stopTimeoutMillis));
  }
}

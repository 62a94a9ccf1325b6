package io.recserve.admin;

import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.SummaryRequest;
import io.recserve.security.Audit;
import io.recserve.security.ConnectionGuard;
import io.recserve.security.ConnectionLimit;
import io.recserve.security.Guard;
import io.recserve.security.KeyRing;
import io.recserve.security.ListenerConnections;
import io.recserve.security.RateLimits;
import io.recserve.security.RequestHead;
import io.recserve.security.Role;
import io.recserve.security.TlsFiles;
import io.recserve.security.HostNames;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management listener, one per node whatever its roles, apart from the public port: the web console at {@code /}
 * with its read routes ({@link ConsoleRoutes}), {@code /metrics}
 * (Prometheus), {@code /ready} in detail (an HTTP node's readiness checks, or else the status of each role this node
 * runs), {@code /analytics/summary}, and the model admin routes {@code GET /admin/models}, {@code POST
 * /admin/models/{version}/publish}, {@code POST /admin/models/rollback}, which reach the store through
 * {@link Addresses#ADMIN_MODELS}. It binds {@code admin.host} (127.0.0.1) on {@code admin.port} (9180), or the next
 * free port when that one is taken (several nodes on one host), up to {@code admin.port-attempts} (20) tries. With admin
 * keys configured every route but the console's page and files needs one ({@code Authorization: Bearer <key>}); each
 * admin action is written to the audit log ({@code recserve.audit}) with the key's name.
 */
public final class AdminVerticle extends VerticleBase {
  /** The summary's bounds, as for the public API before: at most a week, at most 100 movies. */
  static final long MAX_WINDOW_SECONDS = 7 * 24 * 3600;
  static final int MAX_TOP = 100;
  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);
  private static final Set<String> ROLES_WITH_STATUS = Set.of("embedding", "ann", "cache", "analytics");
  private final List<String> roles;
  private HttpServer server;
  private KeyRing keys;
  /** Closes a connection whose request head does not complete in time; null with http.header-timeout-ms 0. */
  private ConnectionGuard guard;
  /** {@code admin.max-connections}; null with 0. */
  private ConnectionLimit limit;
  private volatile int port = -1;
  private DeliveryOptions local;
  private DeliveryOptions shared;
  private long modelTimeoutMillis;

  /** {@code roles}: the roles this node runs (what its detailed readiness reports). */
  public AdminVerticle(List<String> roles) {
    this.roles = List.copyOf(roles);
  }

  /** The port it listens on, once started. */
  public int port() {
    return port;
  }

  @Override
  public Future<?> start() {
    JsonObject admin = config().getJsonObject("admin", new JsonObject());
    long timeout = config().getJsonObject("eventbus", new JsonObject()).getLong("timeout-ms", 2000L);
    modelTimeoutMillis = admin.getLong("timeout-ms", 30_000L);
    // Local questions wait longer than the checks behind them, which each take up to the bus timeout.
    local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(2 * timeout + 500);
    shared = new DeliveryOptions().setSendTimeout(timeout);
    // HTTP/1.1 only, as the public listener: over h2c, Vert.x folds two Host headers into one :authority before the
    // console's check could refuse them (found by a review), and no client of this listener needs HTTP/2.
    // The public listener's bounds on what a client may hold (found by a review: none before): http.header-timeout-ms
    // for a head that never completes (ConnectionGuard), and http.idle-timeout-ms, though never shorter than a model
    // action may wait for its answer with the connection silent.
    JsonObject http = config().getJsonObject("http", new JsonObject());
    long idleMillis = http.getLong("idle-timeout-ms", 30_000L);
    HttpServerOptions options = new HttpServerOptions().setHost(admin.getString("host", "127.0.0.1")).setTcpNoDelay(true)
        .setMaxInitialLineLength(4096).setMaxHeaderSize(8192).setHttp2ClearTextEnabled(false)
        .setIdleTimeout((int) (idleMillis <= 0 ? 0 : Math.max(idleMillis, modelTimeoutMillis + 5_000)))
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
    long headerMillis = http.getLong("header-timeout-ms", 10_000L);
    guard = headerMillis > 0 ? new ConnectionGuard(vertx, headerMillis) : null;
    int maxConnections = admin.getInteger("max-connections", 256);
    limit = maxConnections > 0 ? ConnectionLimit.shared(vertx, "admin", maxConnections) : null;
    try {
      PemKeyCertOptions tls = TlsFiles.keyCert(admin.getJsonObject("tls"), "admin.tls");
      if (tls != null) options.setSsl(true).setKeyCertOptions(tls);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Future<KeyRing> ring = KeyRing.configured(config()) ? KeyRing.start(vertx, config()) : Future.succeededFuture(null);
    long maxBody = http.getLong("max-body-bytes", 65536L);
    Future<ConsoleRoutes> console = ConsoleRoutes.load(vertx, timeout, maxBody);
    return Future.all(ring, console).compose(loaded -> {
      KeyRing k = loaded.resultAt(0);
      keys = k;
      HostNames hostNames = new HostNames(options.getHost(), admin.getString("host-names", ""));
      Router router = router(k != null && k.adminGuarded() ? new Guard(k, RateLimits.shared(vertx, config())) : null, loaded.resultAt(1), hostNames, maxBody);
      int first = admin.getInteger("port", 9180);
      int attempts = first == 0 ? 1 : Math.max(1, admin.getInteger("port-attempts", 20));
      if (guard != null) guard.start();
      return listen(options, router, first, first, attempts);
    }).onSuccess(p -> LOG.info("management listener on {}:{}{} (the console at /, /metrics, /ready, /analytics/summary, /admin/models){}", options.getHost(), p,
        options.isSsl() ? " (TLS)" : "", keys != null && keys.adminGuarded() ? ", admin key required" : ""));
  }

  /** Binds {@code port}, or the next one when it is taken, {@code left} tries in all. */
  private Future<Integer> listen(HttpServerOptions options, Router router, int first, int port, int left) {
    HttpServer candidate = vertx.createHttpServer(new HttpServerOptions(options).setPort(port))
        .requestHandler(guard == null ? router : guard.wrap(router))
        .invalidRequestHandler(request -> { // JSON, as every other answer here (Vert.x's own have no body)
          RequestHead.Unparsable refused = RequestHead.unparsable(request, options.getMaxInitialLineLength(), options.getMaxHeaderSize());
          AdminErrors.sendAndClose(request, refused.status(), refused.code(), refused.message());
        });
    Handler<HttpConnection> tracking = ListenerConnections.tracking(limit, guard);
    // One connection beyond the bound is closed at once, unanswered: every connection held is a file of the node's, and
    // the public listener's 503 waits for a request, up to the header timeout (found by a hostile run, which filled every
    // file the node could open through this listener).
    if (tracking != null) candidate.connectionHandler(connection -> {
      tracking.handle(connection);
      if (limit != null && limit.refuses(connection)) connection.close();
    });
    return candidate.listen().map(s -> {
      server = s;
      this.port = s.actualPort();
      return this.port;
    }).recover(e -> {
      if (left <= 1 || !inUse(e)) {
        return Future.failedFuture(new IllegalStateException("the management listener cannot bind " + options.getHost() + ":"
            + (first == port ? port : first + ".." + port) + " (admin.host, admin.port): " + e.getMessage()));
      }
      return listen(options, router, first, port + 1, left - 1);
    });
  }

  private static boolean inUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) return true;
      if (t.getMessage() != null && t.getMessage().contains("Address already in use")) return true;
    }
    return false;
  }

  private Router router(Guard guard, ConsoleRoutes console, HostNames hostNames, long maxBody) {
    Router router = Router.router(vertx);
    // A client that left before its body was read: vertx-web's body handler fails it with status 200, and would log
    // that as an ERROR with a stack trace (as on the public listener, HttpVerticle).
    router.route().failureHandler(ctx -> {
      if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) LOG.debug("management request {}: the client left mid-request", ctx.request().path());
      else if (RequestHead.undecodable(ctx.failure())) { // a malformed chunk, as on the public listener
        LOG.debug("management request {}: the body does not decode: {}", ctx.request().path(), ctx.failure().toString());
        AdminErrors.sendAndClose(ctx, 400, "bad_request", "the request body's chunks do not decode");
      } else ctx.next();
    });
    console.headers(router, hostNames);
    console.mountFiles(router); // open: the page must load to ask for the admin key
    if (guard != null) {
      router.route().handler(ctx -> {
        Guard.Decision d = guard.check(ctx.request().getHeader("authorization"), Role.ADMIN);
        if (d.allowed()) {
          ctx.put("who", d.key().name());
          ctx.next();
          return;
        }
        if (ctx.request().path().startsWith("/admin/")) {
          Audit.log(d.key() == null ? "unknown" : d.key().name(), ctx.request().method() + " " + ctx.request().path(), "refused: " + d.status());
        }
        if (d.challenge()) ctx.response().putHeader("www-authenticate", "Bearer");
        AdminErrors.send(ctx, d.status(), d.code(), d.message(), d.retryAfterSeconds());
      });
    }
    if (BackendRegistries.getDefaultNow() != null) router.get("/metrics").handler(PrometheusScrapingHandler.create());
    router.get("/ready").handler(this::ready);
    router.get("/analytics/summary").handler(this::summary);
    router.get("/admin/models").handler(ctx -> models(ctx, new JsonObject().put("action", "list"), "list model versions", 200));
    router.post("/admin/models/rollback").handler(ctx -> models(ctx, new JsonObject().put("action", "rollback").put("by", who(ctx)),
        "roll back to the model version before the current one", 200));
    router.post("/admin/models/:version/publish").handler(ctx -> {
      long version;
      try {
        version = Long.parseLong(ctx.pathParam("version"));
        if (version < 1) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        AdminErrors.badField(ctx, "version", "version must be a positive integer");
        return;
      }
      models(ctx, new JsonObject().put("action", "publish").put("version", version).put("by", who(ctx)), "publish model version " + version, 200);
    });
    console.mountApi(router);
    router.errorHandler(404, ctx -> AdminErrors.send(ctx, 404, "not_found", "no such route on the management listener", null));
    router.errorHandler(405, ctx -> AdminErrors.methodNotAllowed(ctx, router));
    router.errorHandler(413, ctx -> AdminErrors.send(ctx, 413, "body_too_large", "request body exceeds " + maxBody + " bytes (http.max-body-bytes)", null));
    // vertx-web's own refusals (a path not valid percent-encoding, no Host, an unknown Expect): JSON, and no ERROR line.
    router.errorHandler(400, ctx -> AdminErrors.send(ctx, 400, "bad_request", "the request cannot be read"
        + (ctx.failure() != null && ctx.failure().getMessage() != null && ctx.failure().getMessage().length() < 200 ? ": " + ctx.failure().getMessage() : ""), null));
    router.errorHandler(417, ctx -> AdminErrors.send(ctx, 417, "expectation_failed", "only Expect: 100-continue is understood", null));
    router.errorHandler(500, ctx -> {
      LOG.error("management request {} failed", ctx.request().path(), ctx.failure());
      AdminErrors.send(ctx, 500, "internal_error", "internal error", null);
    });
    return router;
  }

  private static String who(RoutingContext ctx) {
    String who = ctx.get("who");
    return who != null ? who : "anonymous (no admin key configured)";
  }

  /**
   * Detailed readiness: on an HTTP node its readiness checks (as the public {@code /ready} decides, with every node's
   * versions); on another node the status of each role it runs. 200 when ready, else 503.
   */
  private void ready(RoutingContext ctx) {
    Future<JsonObject> detail;
    if (roles.contains("http")) {
      detail = vertx.eventBus().<JsonObject>request(Addresses.HTTP_READINESS, new JsonObject(), local).map(m -> m.body());
    } else {
      List<Future<JsonObject>> statuses = new ArrayList<>();
      for (String role : roles) {
        if (!ROLES_WITH_STATUS.contains(role)) continue;
        statuses.add(vertx.eventBus().<JsonObject>request(Addresses.status(role), new JsonObject(), local)
            .map(m -> ComponentStatus.fromJson(m.body()).toJson())
            .otherwise(e -> new ComponentStatus(role, NodeIdentity.id(), false, 0, new JsonObject().put("reason", e.getMessage())).toJson()));
      }
      detail = Future.join(new ArrayList<>(statuses)).transform(ar -> {
        JsonArray checks = new JsonArray();
        boolean up = true;
        for (Future<JsonObject> f : statuses) {
          checks.add(f.result());
          up &= f.result().getBoolean("ready", false);
        }
        return Future.succeededFuture(new JsonObject().put("status", up ? "UP" : "DOWN").put("roles", checks));
      });
    }
    detail.onComplete(ar -> {
      JsonObject body = ar.succeeded() ? ar.result() : new JsonObject().put("status", "DOWN").put("reason", ar.cause().getMessage());
      body.put("node", NodeIdentity.id()).put("node_roles", new JsonArray(new ArrayList<>(roles)));
      ctx.response().setStatusCode("UP".equals(body.getString("status")) ? 200 : 503).putHeader("content-type", "application/json").end(body.toBuffer());
    });
  }

  private void summary(RoutingContext ctx) {
    long window;
    long top;
    try {
      window = query(ctx, "window", 3600, MAX_WINDOW_SECONDS);
      top = query(ctx, "top", 10, MAX_TOP);
    } catch (ConsoleRoutes.BadField e) {
      e.send(ctx);
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.ANALYTICS_SUMMARY, new SummaryRequest(window, (int) top).toJson(), shared)
        .onSuccess(m -> ctx.response().putHeader("content-type", "application/json").end(m.body().toBuffer()))
        .onFailure(e -> busFailure(ctx, Addresses.ANALYTICS_SUMMARY, e));
  }

  private static long query(RoutingContext ctx, String name, long fallback, long max) {
    String value = ctx.request().getParam(name);
    if (value == null) return fallback;
    try {
      long v = Long.parseLong(value);
      if (v >= 1 && v <= max) return v;
    } catch (NumberFormatException ignored) {
      // refused below
    }
    throw new ConsoleRoutes.BadField(name, name + " must be an integer between 1 and " + max);
  }

  /** A model admin request through the bus; publish and rollback are audited with the key's name. */
  private void models(RoutingContext ctx, JsonObject request, String action, int status) {
    boolean change = !"list".equals(request.getString("action"));
    vertx.eventBus().<JsonObject>request(Addresses.ADMIN_MODELS, request, new DeliveryOptions().setSendTimeout(modelTimeoutMillis))
        .onSuccess(m -> {
          if (change) Audit.log(who(ctx), action, "ok: version " + m.body().getLong("model_version") + " is current (was " + m.body().getValue("previous_version") + ")");
          ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(m.body().toBuffer());
        })
        .onFailure(e -> {
          if (change) Audit.log(who(ctx), action, "failed: " + e.getMessage());
          busFailure(ctx, Addresses.ADMIN_MODELS, e);
        });
  }

  private static void busFailure(RoutingContext ctx, String address, Throwable e) {
    if (!(e instanceof ReplyException r)) {
      LOG.error("management request {} failed", ctx.request().path(), e);
      AdminErrors.send(ctx, 500, "internal_error", "internal error", null);
      return;
    }
    if (r.failureType() == ReplyFailure.NO_HANDLERS) {
      AdminErrors.send(ctx, 503, "service_unavailable", "no node serves " + address + " (it runs where the store is: the embedding and ANN roles, or analytics for the summary)", 1);
    } else if (r.failureType() == ReplyFailure.TIMEOUT) {
      AdminErrors.send(ctx, 503, "service_unavailable", address + " did not answer in time", 1);
    } else switch (r.failureCode()) {
      case FailureCodes.NOT_FOUND -> AdminErrors.send(ctx, 404, "version_not_found", r.getMessage(), null);
      case ModelAdminVerticle.CONFLICT -> AdminErrors.send(ctx, 409, "conflict", r.getMessage(), null);
      case FailureCodes.BAD_MESSAGE, FailureCodes.INVALID -> AdminErrors.send(ctx, 400, "invalid_request", r.getMessage(), null);
      case FailureCodes.STORE_UNAVAILABLE, FailureCodes.MODEL_NOT_LOADED, FailureCodes.OVERLOADED ->
          AdminErrors.send(ctx, 503, "service_unavailable", address + " is unavailable", 1);
      default -> {
        LOG.error("management request {}: {} failed: {}", ctx.request().path(), address, r.getMessage());
        AdminErrors.send(ctx, 500, "internal_error", "internal error", null);
      }
    }
  }

  @Override
  public Future<?> stop() {
    if (keys != null) keys.close(vertx);
    if (guard != null) guard.stop();
    return server == null ? Future.succeededFuture() : server.close();
  }
}

package io.recserve.admin;

import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.RatedRequest;
import io.recserve.contract.TimeSeriesRequest;
import io.recserve.security.HostNames;
import io.recserve.security.RequestHead;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console on the management listener: its page at {@code /}, its files under {@code /console/} (HTML, CSS and
 * plain JavaScript modules from this jar's {@code console/} folder) and the chart library, uPlot, under
 * {@code /console/lib/} (served from its WebJar, so nothing is fetched from the internet), plus the read routes it
 * needs beside the listener's others:
 * <ul>
 *   <li>{@code POST /recommend} and {@code GET /movies/{id}/similar?cutoff=}: the public API, relayed over
 *   {@link Addresses#HTTP_API} to an HTTP node (this one's when it runs the role, else any in the cluster), which
 *   answers through the same request path, caches and analytics as the public port. The page may only talk to its
 *   own origin (no CORS), and the listener runs on every node, an HTTP-less one included, so asking over the bus is
 *   what works the same on one JVM and on a cluster; the answer's status and body are the public route's own.</li>
 *   <li>{@code GET /users/{id}/rated?top=10}: the user's top-rated movies, from an embedding node
 *   ({@link Addresses#EMBEDDING_RATED}).</li>
 *   <li>{@code GET /analytics/timeseries?minutes=180&top=10}: per-minute buckets computed by the analytics store
 *   ({@link Addresses#ANALYTICS_TIMESERIES}), the top movies titled by an embedding node
 *   ({@link Addresses#EMBEDDING_MOVIES}; without one they keep only their ids).</li>
 * </ul>
 * The page and its files are open (the page must load to ask for the admin key); every data route stands behind the
 * listener's admin key like the others. Every response carries a strict Content-Security-Policy (no inline script
 * or style anywhere in the console) and {@code X-Content-Type-Options: nosniff}.
 */
final class ConsoleRoutes {
  static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
      + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  static final int MAX_MINUTES = TimeSeriesRequest.MAX_MINUTES;
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);
  private final Vertx vertx;
  private final Buffer index;
  private final String uplotVersion;
  private final DeliveryOptions shared;
  private final DeliveryOptions relay;
  private final long maxBodyBytes;

  private ConsoleRoutes(Vertx vertx, Buffer index, String uplotVersion, long timeoutMillis, long maxBodyBytes) {
    this.vertx = vertx;
    this.index = index;
    this.uplotVersion = uplotVersion;
    this.shared = new DeliveryOptions().setSendTimeout(timeoutMillis);
    // The HTTP node's own requests each wait up to the bus timeout: the relay waits for two of them and a margin.
    this.relay = new DeliveryOptions().setSendTimeout(2 * timeoutMillis + 500);
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Reads the page (off the event loop) and the chart library's version. */
  static Future<ConsoleRoutes> load(Vertx vertx, long timeoutMillis, long maxBodyBytes) {
    return vertx.fileSystem().readFile("console/index.html").map(page -> new ConsoleRoutes(vertx, page, uplotVersion(), timeoutMillis, maxBodyBytes));
  }

  /** The uPlot WebJar's version, written into {@code console.properties} by the build. */
  static String uplotVersion() {
    try (InputStream in = ConsoleRoutes.class.getResourceAsStream("console.properties")) {
      if (in == null) throw new IllegalStateException("console.properties is missing from the admin jar");
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("uplot.version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * First on the router: the headers every answer of the listener carries, a Host that names another site refused
   * (DNS rebinding, {@link HostNames}), and cross-site writes refused.
   */
  void headers(Router router, HostNames hostNames) {
    RequestHead.AfterChunked afterChunked = new RequestHead.AfterChunked(); // one listener, one event loop
    router.route().handler(ctx -> {
      ctx.response().putHeader("content-security-policy", CSP).putHeader("x-content-type-options", "nosniff")
          .putHeader("referrer-policy", "no-referrer");
      String ambiguity = RequestHead.ambiguity(ctx.request());
      if (ambiguity != null) {
        AdminErrors.sendAndClose(ctx, 400, "bad_request", ambiguity);
        return;
      }
      if (!afterChunked.admit(ctx.request())) return; // answered, then the connection closed (RequestHead)
      if (RequestHead.chunked(ctx.request())) ctx.addEndHandler(v -> ctx.request().connection().close());
      if (!hostNames.allowed(ctx.request().getHeader("host"))) { // HTTP/1.1 only here: no :authority without Host
        AdminErrors.send(ctx, 403, "forbidden", "the Host names no name of this listener (an address, localhost, admin.host or admin.host-names)", null);
        return;
      }
      if (!RequestHead.decodableQuery(ctx.request())) {
        AdminErrors.send(ctx, 400, "bad_request", "the query is not valid percent-encoding", null);
        return;
      }
      if (crossSiteWrite(ctx)) {
        AdminErrors.send(ctx, 403, "forbidden", "a write from another origin is refused (send it without an Origin header, or from the console)", null);
        return;
      }
      ctx.next();
    });
  }

  /**
   * A POST (or other write) a browser sent from another page: its {@code Origin} names another host and port than
   * the one asked. Without it, a web page could make the browser of someone on this host publish a model version
   * through a plain form. curl and other clients send no Origin and pass.
   */
  private static boolean crossSiteWrite(RoutingContext ctx) {
    String method = ctx.request().method().name();
    if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) return false;
    String origin = ctx.request().getHeader("origin");
    if (origin == null) return false;
    String host = ctx.request().getHeader("host");
    int scheme = origin.indexOf("://");
    return host == null || scheme < 0 || !origin.substring(scheme + 3).equalsIgnoreCase(host);
  }

  /** The page and its files, before the admin guard: the page must load to ask for the key. */
  void mountFiles(Router router) {
    router.get("/").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("cache-control", "no-cache").end(index));
    // The versioned library first ("/console/*" would take its paths too).
    router.get("/console/lib/*").handler(StaticHandler.create("META-INF/resources/webjars/uplot/" + uplotVersion + "/dist")
        .setDirectoryListing(false).setMaxAgeSeconds(7 * 24 * 3600));
    router.get("/console/*").handler(StaticHandler.create("console").setDirectoryListing(false).setCachingEnabled(false));
  }

  /** The read routes, behind the admin guard. */
  void mountApi(Router router) {
    router.post("/recommend").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)).handler(this::recommend);
    router.get("/movies/:movie_id/similar").handler(this::similar);
    router.get("/users/:user_id/rated").handler(this::rated);
    router.get("/analytics/timeseries").handler(this::timeSeries);
  }

  private void recommend(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    relay(ctx, new JsonObject().put("route", "recommend").put("body", body == null ? "" : body.toString())
        .put("content_type", ctx.request().getHeader("content-type"))); // the HTTP node answers a wrong one as the public route does
  }

  private void similar(RoutingContext ctx) {
    int movieId;
    long cutoff;
    try {
      movieId = (int) integer(ctx.pathParam("movie_id"), "movie_id", null, Integer.MIN_VALUE, Integer.MAX_VALUE);
      cutoff = integer(ctx.request().getParam("cutoff"), "cutoff", 10L, 1, 100);
    } catch (BadField e) {
      e.send(ctx);
      return;
    }
    relay(ctx, new JsonObject().put("route", "similar").put("movie_id", movieId).put("cutoff", cutoff));
  }

  /** The public route's answer, as an HTTP node gave it: its status, its body, its Retry-After. */
  private void relay(RoutingContext ctx, JsonObject request) {
    vertx.eventBus().<JsonObject>request(Addresses.HTTP_API, request, relay).onSuccess(m -> {
      JsonObject reply = m.body();
      if (ctx.response().ended()) return;
      ctx.response().setStatusCode(reply.getInteger("status", 500)).putHeader("content-type", "application/json");
      if (reply.getValue("retry_after") != null) ctx.response().putHeader("retry-after", reply.getValue("retry_after").toString());
      ctx.response().end(reply.getJsonObject("body", new JsonObject()).toBuffer());
    }).onFailure(e -> failure(ctx, Addresses.HTTP_API, "the http role", e));
  }

  private void rated(RoutingContext ctx) {
    int userId;
    int top;
    try {
      userId = (int) integer(ctx.pathParam("user_id"), "user_id", null, Integer.MIN_VALUE, Integer.MAX_VALUE);
      top = (int) integer(ctx.request().getParam("top"), "top", 10L, 1, RatedRequest.MAX_TOP);
    } catch (BadField e) {
      e.send(ctx);
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_RATED, new RatedRequest(userId, top).toJson(), shared)
        .onSuccess(m -> json(ctx, m.body()))
        .onFailure(e -> failure(ctx, Addresses.EMBEDDING_RATED, "the embedding role, once a model version is loaded", e));
  }

  private void timeSeries(RoutingContext ctx) {
    int minutes;
    int top;
    try {
      minutes = (int) integer(ctx.request().getParam("minutes"), "minutes", 180L, 1, MAX_MINUTES);
      top = (int) integer(ctx.request().getParam("top"), "top", 10L, 0, 100);
    } catch (BadField e) {
      e.send(ctx);
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.ANALYTICS_TIMESERIES, new TimeSeriesRequest(minutes, top).toJson(), shared)
        .compose(m -> titled(m.body()))
        .onSuccess(series -> json(ctx, series))
        .onFailure(e -> failure(ctx, Addresses.ANALYTICS_TIMESERIES, "the analytics role", e));
  }

  /** The top movies with their titles and genres; without an embedding node to ask, with their ids only. */
  private Future<JsonObject> titled(JsonObject series) {
    JsonArray top = series.getJsonArray("top_movies", new JsonArray());
    if (top.isEmpty()) return Future.succeededFuture(series);
    JsonArray ids = new JsonArray();
    for (int i = 0; i < top.size(); i++) ids.add(top.getJsonObject(i).getInteger("movie_id"));
    return vertx.eventBus().<JsonObject>request(Addresses.EMBEDDING_MOVIES, new JsonObject().put("movie_ids", ids), shared).map(m -> {
      java.util.Map<Integer, JsonObject> byId = new java.util.HashMap<>();
      for (Object o : m.body().getJsonArray("movies", new JsonArray())) byId.put(((JsonObject) o).getInteger("movie_id"), (JsonObject) o);
      for (int i = 0; i < top.size(); i++) {
        JsonObject movie = byId.get(top.getJsonObject(i).getInteger("movie_id"));
        if (movie != null) top.getJsonObject(i).put("title", movie.getString("title")).put("genres", movie.getJsonArray("genres"));
      }
      return series;
    }).otherwise(e -> {
      LOG.debug("no titles for the top movies: {}", e.toString());
      return series;
    });
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    if (!ctx.response().ended()) ctx.response().putHeader("content-type", "application/json").end(body.toBuffer());
  }

  /** A bus failure as an HTTP answer naming the address and who serves it; no internals. */
  static void failure(RoutingContext ctx, String address, String servedBy, Throwable e) {
    if (!(e instanceof ReplyException r)) {
      LOG.error("management request {} failed", ctx.request().path(), e);
      AdminErrors.send(ctx, 500, "internal_error", "internal error", null);
      return;
    }
    if (r.failureType() == ReplyFailure.NO_HANDLERS) {
      AdminErrors.send(ctx, 503, "service_unavailable", "no node serves " + address + " (" + servedBy + ")", 1);
    } else if (r.failureType() == ReplyFailure.TIMEOUT) {
      AdminErrors.send(ctx, 503, "service_unavailable", address + " did not answer in time", 1);
    } else if (r.failureCode() == FailureCodes.MODEL_NOT_LOADED) {
      AdminErrors.send(ctx, 503, "service_unavailable", address + ": no model version is loaded there yet", 1);
    } else if (r.failureCode() == FailureCodes.STORE_UNAVAILABLE || r.failureCode() == FailureCodes.OVERLOADED) {
      AdminErrors.send(ctx, 503, "service_unavailable", address + " is unavailable", 1);
    } else {
      LOG.error("management request {}: {} failed: {}", ctx.request().path(), address, r.getMessage());
      AdminErrors.send(ctx, 500, "internal_error", "internal error", null);
    }
  }

  /** A query or path parameter as an integer in [min, max], or its default when absent. */
  static long integer(String value, String field, Long fallback, long min, long max) {
    if (value == null && fallback != null) return fallback;
    try {
      long v = Long.parseLong(value == null ? "" : value.strip());
      if (v >= min && v <= max) return v;
    } catch (NumberFormatException ignored) {
      // refused below
    }
    throw new BadField(field, field + " must be an integer" + (min == Integer.MIN_VALUE ? "" : " between " + min + " and " + max));
  }

  /** A refused parameter: 400 with the field named, as the public API answers. */
  static final class BadField extends RuntimeException {
    final String field;

    BadField(String field, String message) {
      super(message, null, false, false);
      this.field = field;
    }

    void send(RoutingContext ctx) {
      AdminErrors.badField(ctx, field, getMessage());
    }
  }
}

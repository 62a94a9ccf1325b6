package io.recserve.admin;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Failures on the management listener, as JSON of the public API's shape: {@code {"error": code, "message": text}}. */
final class AdminErrors {
  private AdminErrors() {}

  static void send(RoutingContext ctx, int status, String code, String message, Integer retryAfterSeconds) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json");
    if (retryAfterSeconds != null) ctx.response().putHeader("retry-after", retryAfterSeconds.toString());
    ctx.response().end(new JsonObject().put("error", code).put("message", message).toBuffer());
  }

  /** The same, then the connection closed (what was ended before the close is still written). */
  static void sendAndClose(RoutingContext ctx, int status, String code, String message) {
    sendAndClose(ctx.request(), status, code, message);
  }

  /** The same for a request no router saw (one the HTTP parser refused). */
  static void sendAndClose(io.vertx.core.http.HttpServerRequest request, int status, String code, String message) {
    if (request.response().ended()) {
      request.connection().close();
      return;
    }
    request.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("connection", "close")
        .end(new JsonObject().put("error", code).put("message", message).toBuffer());
    request.connection().close(); // now: once written, the next pipelined request would have been taken (ErrorMapping)
  }

  /**
   * 405 {@code method_not_allowed} with an {@code Allow} header (RFC 9110 asks for one): the methods of the router's
   * routes whose path matches ({@code :name} matches one segment, a trailing {@code *} the rest; a route of a regular
   * expression has no path here, and is left out).
   */
  static void methodNotAllowed(RoutingContext ctx, io.vertx.ext.web.Router router) {
    java.util.Set<String> methods = new java.util.TreeSet<>();
    String[] asked = ctx.normalizedPath().split("/", -1);
    for (io.vertx.ext.web.Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null || !matches(route.getPath(), route.isExactPath(), asked)) continue;
      route.methods().forEach(m -> methods.add(m.name()));
    }
    if (!methods.isEmpty()) ctx.response().putHeader("allow", String.join(", ", methods));
    send(ctx, 405, "method_not_allowed", ctx.request().method() + " is not allowed on this route", null);
  }

  private static boolean matches(String template, boolean exact, String[] asked) {
    String[] parts = template.split("/", -1);
    if (!exact) { // "/console/*": its path is the prefix, kept with its slash
      if (asked.length < parts.length) return false;
      for (int i = 0; i < parts.length - 1; i++) if (!parts[i].equals(asked[i])) return false;
      return true;
    }
    if (parts.length != asked.length) return false;
    for (int i = 0; i < parts.length; i++) if (!parts[i].startsWith(":") && !parts[i].equals(asked[i])) return false;
    return true;
  }

  /** 400 {@code invalid_field}, naming the field, as the public routes answer a bad field. */
  static void badField(RoutingContext ctx, String field, String message) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "invalid_field").put("message", message).put("field", field).toBuffer());
  }
}

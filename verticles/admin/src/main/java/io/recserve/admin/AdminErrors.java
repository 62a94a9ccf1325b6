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

  /** 400 {@code invalid_field}, naming the field, as the public routes answer a bad field. */
  static void badField(RoutingContext ctx, String field, String message) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "invalid_field").put("message", message).put("field", field).toBuffer());
  }
}

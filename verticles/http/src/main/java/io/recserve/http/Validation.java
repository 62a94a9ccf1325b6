package io.recserve.http;

import io.vertx.ext.web.RoutingContext;

/** The check every JSON route makes before its body is read; the body's own rules are openapi.yaml's ({@link OpenApiRules}). */
final class Validation {
  private Validation() {}

  /** The body must be declared {@code application/json} (with optional parameters, such as a charset). */
  static void requireJson(RoutingContext ctx) {
    ApiError refused = notJson(ctx.request().getHeader("content-type"));
    if (refused != null) {
      ErrorMapping.send(ctx, refused);
      return;
    }
    ctx.next();
  }

  /** The 415 for a Content-Type that is not {@code application/json}, or null when it is. */
  static ApiError notJson(String type) {
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    return media.equals("application/json") ? null
        : new ApiError(415, "unsupported_media_type", "Content-Type must be application/json, got " + (type == null ? "none" : type), null, null);
  }
}

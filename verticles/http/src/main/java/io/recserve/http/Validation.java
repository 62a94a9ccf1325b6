package io.recserve.http;

import io.vertx.ext.web.RoutingContext;

/** The check every JSON route makes before its body is read; the body's own rules are openapi.yaml's ({@link OpenApiRules}). */
final class Validation {
  private Validation() {}

  /** The body must be declared {@code application/json} (with optional parameters, such as a charset). */
  static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("content-type");
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    if (!media.equals("application/json")) {
      ErrorMapping.send(ctx, new ApiError(415, "unsupported_media_type", "Content-Type must be application/json, got "
          + (type == null ? "none" : type), null, null));
      return;
    }
    ctx.next();
  }
}

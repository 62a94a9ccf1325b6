package io.recserve.http;

import io.vertx.ext.web.RoutingContext;

/** The check every JSON route makes before its body is read; the body's own rules are openapi.yaml's ({@link OpenApiRules}). */
final class Validation {
  private Validation() {}

  /**
   * The body must be declared {@code application/json} (with optional parameters, such as a charset), and not
   * compressed: the server decodes no Content-Encoding (RFC 9110 section 8.4.1: 415 for one it does not take; found by a
   * hostile run: a gzip body got a misleading 400 on its JSON, a body labelled br was read as plain).
   */
  static void requireJson(RoutingContext ctx) {
    ApiError refused = notJson(ctx.request().getHeader("content-type"));
    String encoding = ctx.request().getHeader("content-encoding");
    if (refused == null && encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
      ctx.response().putHeader("accept-encoding", "identity");
      refused = new ApiError(415, "unsupported_media_type", "Content-Encoding " + ErrorMapping.publicText(encoding, "given")
          + " is not taken; send the body uncompressed", null, null);
    }
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

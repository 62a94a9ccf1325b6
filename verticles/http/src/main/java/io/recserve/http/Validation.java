package io.recserve.http;

import io.vertx.ext.web.RoutingContext;

/** Checks every JSON route shares before its body is read. */
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

  static int parseInt(String value, String field) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw ApiError.badField(field, field + " must be an integer, got " + value);
    }
  }

  static long pathLong(RoutingContext ctx, String name, long min, long max) {
    String value = ctx.pathParam(name);
    try {
      long v = Long.parseLong(value);
      if (v < min || v > max) throw ApiError.badField(name, name + " must lie between " + min + " and " + max);
      return v;
    } catch (NumberFormatException e) {
      throw ApiError.badField(name, name + " must be an integer");
    }
  }

  static long queryLong(RoutingContext ctx, String name, long fallback, long min, long max) {
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
}

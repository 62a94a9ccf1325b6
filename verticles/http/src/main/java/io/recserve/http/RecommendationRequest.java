package io.recserve.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** A validated {@code POST /recommend} body: {@code {"user_id": int, "cutoff": int 1..100 = 10}}. */
record RecommendationRequest(int userId, int cutoff) {
  static final int DEFAULT_CUTOFF = 10;
  static final int MAX_CUTOFF = 100;

  static RecommendationRequest parse(Buffer body) {
    if (body == null || body.length() == 0) throw new ApiError(400, "invalid_body", "request body is empty; send {\"user_id\": <int>}", null, null);
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiError(400, "malformed_json", "body is not valid JSON: " + firstLine(e.getMessage()), null, null);
    }
    if (!(parsed instanceof JsonObject json)) throw new ApiError(400, "invalid_body", "body must be a JSON object", null, null);
    if (!json.containsKey("user_id") || json.getValue("user_id") == null) throw ApiError.badField("user_id", "user_id is required");
    int userId = integer(json.getValue("user_id"), "user_id");
    int cutoff = DEFAULT_CUTOFF;
    if (json.containsKey("cutoff")) {
      if (json.getValue("cutoff") == null) throw ApiError.badField("cutoff", "cutoff must be an integer between 1 and " + MAX_CUTOFF + " (or left out), got null");
      cutoff = integer(json.getValue("cutoff"), "cutoff");
      if (cutoff < 1 || cutoff > MAX_CUTOFF) throw ApiError.badField("cutoff", "cutoff must lie between 1 and " + MAX_CUTOFF + ", got " + cutoff);
    }
    return new RecommendationRequest(userId, cutoff);
  }

  private static int integer(Object value, String field) {
    if (value instanceof Integer i) return i;
    if (value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) return d.intValue();
    if (value instanceof Number) throw ApiError.badField(field, field + " must be a 32-bit integer, got " + value);
    throw ApiError.badField(field, field + " must be an integer, got " + (value instanceof String ? "a string" : value.getClass().getSimpleName().replace("Json", "").toLowerCase()));
  }

  private static String firstLine(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}

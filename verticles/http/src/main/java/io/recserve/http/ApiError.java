package io.recserve.http;

import io.vertx.core.json.JsonObject;

/** A client-facing failure: HTTP status, a stable error code, a message, and the offending field if any. */
final class ApiError extends RuntimeException {
  final int status;
  final String code;
  final String field;
  final Integer retryAfterSeconds;

  ApiError(int status, String code, String message, String field, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static ApiError badField(String field, String message) {
    return new ApiError(400, "invalid_field", message, field, null);
  }

  static ApiError unavailable(String message) {
    return new ApiError(503, "service_unavailable", message, null, 1);
  }

  /** The same failure with its field named from where the request sits ({@code requests[2].}), when it names one. */
  ApiError within(String prefix) {
    return field == null || field.startsWith(prefix) ? this : new ApiError(status, code, getMessage(), prefix + field, retryAfterSeconds);
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("error", code).put("message", getMessage());
    if (field != null) json.put("field", field);
    return json;
  }
}

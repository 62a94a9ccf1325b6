package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.Filters;
import io.recserve.contract.RecommendationEvent;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The public API over the event bus ({@link Addresses#HTTP_API}), for the console on the management listener: that
 * listener runs on every node, an HTTP-less one included, and the console's page may only talk to its own origin,
 * so the listener relays {@code POST /recommend} and {@code GET /movies/{id}/similar} here, to any HTTP node. The
 * same parsing, request path ({@link RecommendationFlow}: caches, model versions, analytics events) and error
 * mapping as the public routes; the reply is always {@code {"status": .., "body": {..}}} (plus {@code retry_after}),
 * what the public route would have answered, so the console shows the API's own messages.
 */
final class ConsoleApi {
  /** openapi.yaml's bound on {@code cutoff} (the similar route's two parameters are checked here, not by the document). */
  private static final int MAX_CUTOFF = 100;
  private final RecommendationFlow flow;
  private final OpenApiRules rules;
  private final long timeoutMillis;

  ConsoleApi(RecommendationFlow flow, OpenApiRules rules, long timeoutMillis) {
    this.flow = flow;
    this.rules = rules;
    this.timeoutMillis = timeoutMillis;
  }

  void handle(Message<JsonObject> message) {
    long started = System.nanoTime();
    String requestId = RecommendRoutes.newRequestId();
    JsonObject json = message.body() == null ? new JsonObject() : message.body();
    Future<Buffer> answered;
    try {
      answered = switch (json.getString("route", "")) {
        case "recommend" -> recommend(json, requestId, started);
        case "similar" -> similar(json, requestId, started);
        default -> Future.failedFuture(new ApiError(404, "not_found", "no such route", null, null));
      };
    } catch (ApiError e) {
      answered = Future.failedFuture(e);
    } catch (RuntimeException e) {
      answered = Future.failedFuture(new ApiError(400, "invalid_body", "the console's request is malformed", null, null));
    }
    answered.onSuccess(body -> message.reply(new JsonObject().put("status", 200).put("body", new JsonObject(body))))
        .onFailure(e -> {
          ApiError error = ErrorMapping.toApiError(e, timeoutMillis, requestId);
          JsonObject reply = new JsonObject().put("status", error.status).put("body", error.toJson());
          if (error.retryAfterSeconds != null) reply.put("retry_after", error.retryAfterSeconds);
          message.reply(reply);
        });
  }

  private Future<Buffer> recommend(JsonObject json, String requestId, long started) {
    // The management listener's Content-Type, checked as the public route checks it (absent from an older listener).
    if (json.containsKey("content_type")) {
      ApiError refused = Validation.notJson(json.getString("content_type"));
      if (refused != null) throw refused;
    }
    String text = json.getString("body");
    RecommendationRequest request = RecommendationRequest.of(rules.body("recommend", text == null ? null : Buffer.buffer(text)), "");
    return flow.recommend(request).map(answer -> {
      flow.after(request, requestId, answer, started);
      return answer.body(requestId);
    });
  }

  private Future<Buffer> similar(JsonObject json, String requestId, long started) {
    int movieId = integer(json, "movie_id", null, Integer.MIN_VALUE, Integer.MAX_VALUE);
    int cutoff = integer(json, "cutoff", RecommendationRequest.DEFAULT_CUTOFF, 1, MAX_CUTOFF);
    return flow.similar(movieId, cutoff, Filters.NONE).map(answer -> {
      flow.event(requestId, RecommendationEvent.SIMILAR, null, cutoff, answer, started);
      return answer.body(requestId);
    });
  }

  private static int integer(JsonObject json, String field, Integer fallback, long min, long max) {
    Object value = json.getValue(field);
    if (value == null && fallback != null) return fallback;
    if (value instanceof Number n && n.doubleValue() == n.longValue() && n.longValue() >= min && n.longValue() <= max) return n.intValue();
    throw ApiError.badField(field, field + " must be an integer" + (min == Integer.MIN_VALUE ? "" : " between " + min + " and " + max));
  }
}

package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.FeedbackRequest;
import io.recserve.contract.ModelRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Live feedback: {@code POST /feedback {"user_id", "movie_id", "rating", "time"?}} stores a rating and folds the user
 * in again at once; {@code DELETE /users/{user_id}} forgets what a user sent; {@code DELETE
 * /users/{user_id}/ratings/{movie_id}} removes one rating. Each answers once the change reached every node
 * ({@link UserChanges}), so the next recommendation for the user reflects it, on any node.
 */
final class FeedbackRoutes {
  private final Bus bus;
  private final UserChanges changes;
  private final RecommendationFlow flow;

  FeedbackRoutes(Bus bus, UserChanges changes, RecommendationFlow flow) {
    this.bus = bus;
    this.changes = changes;
    this.flow = flow;
  }

  void mount(Router router, long maxBodyBytes) {
    router.post("/feedback").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)).handler(Validation::requireJson).handler(this::feedback);
    router.delete("/users/:user_id/ratings/:movie_id").handler(this::removeRating);
    router.delete("/users/:user_id").handler(this::forget);
  }

  private void feedback(RoutingContext ctx) {
    FeedbackRequest request;
    try {
      request = parse(ctx.body().buffer());
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    record(ctx, request, 201);
  }

  private void removeRating(RoutingContext ctx) {
    FeedbackRequest request;
    try {
      int user = (int) Validation.pathLong(ctx, "user_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
      int movie = (int) Validation.pathLong(ctx, "movie_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
      request = new FeedbackRequest(user, movie, null, System.currentTimeMillis() / 1000);
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    record(ctx, request, 200);
  }

  /** Stored by an embedding node (which checks it against the served version), then spread, then confirmed. */
  private void record(RoutingContext ctx, FeedbackRequest request, int status) {
    long started = System.nanoTime();
    String requestId = RecommendRoutes.fastUuid();
    bus.<Object>request(Addresses.FEEDBACK_RECORD, request).compose(m -> {
      JsonObject stored = (JsonObject) m.body();
      return changes.spread(request.userId(), stored.getLong("seq")).map(v -> stored);
    }).onSuccess(stored -> {
      Answer item = new Answer(new byte[0], new int[] {request.movieId()}, new float[] {request.rating() == null ? 0 : request.rating()},
          (ModelRef) null, false);
      flow.event(requestId, request.rating() == null ? "rating_removed" : "feedback", request.userId(), 0, item, started);
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
          .end(new JsonObject().put("request_id", requestId).put("feedback", stored).toBuffer());
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, bus.timeoutMillis(), requestId)));
  }

  private void forget(RoutingContext ctx) {
    int user;
    try {
      user = (int) Validation.pathLong(ctx, "user_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = RecommendRoutes.fastUuid();
    bus.<Object>request(Addresses.FEEDBACK_FORGET, new JsonObject().put("user_id", user)).compose(m -> {
      JsonObject forgotten = (JsonObject) m.body();
      return changes.spread(user, forgotten.getLong("generation", 0L)).map(v -> forgotten);
    }).onSuccess(forgotten -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("request_id", requestId).put("user_id", user).put("forgotten", forgotten.getInteger("forgotten")).toBuffer()))
        .onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, bus.timeoutMillis(), requestId)));
  }

  /** {@code {"user_id": int, "movie_id": int, "rating": number, "time": int (epoch seconds, optional)}}. */
  static FeedbackRequest parse(Buffer body) {
    if (body == null || body.length() == 0) throw new ApiError(400, "invalid_body", "request body is empty", null, null);
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiError(400, "malformed_json", "body is not valid JSON", null, null);
    }
    if (!(parsed instanceof JsonObject json)) throw new ApiError(400, "invalid_body", "body must be a JSON object", null, null);
    for (String required : new String[] {"user_id", "movie_id", "rating"}) {
      if (json.getValue(required) == null) throw ApiError.badField(required, required + " is required");
    }
    int user = RecommendationRequest.integer(json.getValue("user_id"), "user_id");
    int movie = RecommendationRequest.integer(json.getValue("movie_id"), "movie_id");
    if (!(json.getValue("rating") instanceof Number rating) || !Double.isFinite(rating.doubleValue())) throw ApiError.badField("rating", "rating must be a number");
    long time = 0;
    if (json.containsKey("time")) {
      if (!(json.getValue("time") instanceof Number t) || t.doubleValue() != Math.rint(t.doubleValue()) || t.longValue() < 0) {
        throw ApiError.badField("time", "time must be a whole number of seconds since 1970 (UTC)");
      }
      time = t.longValue();
    }
    return new FeedbackRequest(user, movie, rating.floatValue(), time);
  }
}

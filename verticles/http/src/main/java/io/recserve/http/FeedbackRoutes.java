package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.FeedbackRequest;
import io.recserve.contract.ModelRef;
import io.recserve.contract.RecommendationEvent;
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
  private final OpenApiRules rules;

  FeedbackRoutes(Bus bus, UserChanges changes, RecommendationFlow flow, OpenApiRules rules) {
    this.bus = bus;
    this.changes = changes;
    this.flow = flow;
    this.rules = rules;
  }

  void mount(Router router, long maxBodyBytes) {
    router.post("/feedback").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)).handler(Validation::requireJson).handler(this::feedback);
    router.delete("/users/:user_id/ratings/:movie_id").handler(this::removeRating);
    router.delete("/users/:user_id").handler(this::forget);
  }

  private void feedback(RoutingContext ctx) {
    FeedbackRequest request;
    try {
      request = request(rules.body("feedback", ctx.body().buffer()));
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    record(ctx, request, 201);
  }

  private void removeRating(RoutingContext ctx) {
    FeedbackRequest request;
    try {
      JsonObject params = rules.parameters("removeRating", ctx);
      request = new FeedbackRequest(params.getInteger("user_id"), params.getInteger("movie_id"), null, System.currentTimeMillis() / 1000);
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    record(ctx, request, 200);
  }

  /** Stored by an embedding node (which checks it against the served version), then spread, then confirmed. */
  private void record(RoutingContext ctx, FeedbackRequest request, int status) {
    long started = System.nanoTime();
    String requestId = RecommendRoutes.newRequestId();
    bus.<Object>request(Addresses.FEEDBACK_RECORD, request).compose(m -> {
      JsonObject stored = (JsonObject) m.body();
      return changes.spread(request.userId(), stored.getLong("seq")).map(v -> stored);
    }).onSuccess(stored -> {
      Float rating = stored.getFloat("rating"); // as stored: on the scale's grid
      Answer item = new Answer(new byte[0], new int[] {request.movieId()}, new float[] {rating == null ? 0 : rating},
          (ModelRef) null, false);
      flow.event(requestId, request.rating() == null ? RecommendationEvent.RATING_REMOVED : RecommendationEvent.FEEDBACK, request.userId(), 0, item, started);
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
          .end(new JsonObject().put("request_id", requestId).put("feedback", stored).toBuffer());
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, bus.timeoutMillis(), requestId)));
  }

  private void forget(RoutingContext ctx) {
    int user;
    try {
      user = rules.parameters("forgetUser", ctx).getInteger("user_id");
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = RecommendRoutes.newRequestId();
    bus.<Object>request(Addresses.FEEDBACK_FORGET, new JsonObject().put("user_id", user)).compose(m -> {
      JsonObject forgotten = (JsonObject) m.body();
      return changes.spread(user, forgotten.getLong("generation", 0L)).map(v -> forgotten);
    }).onSuccess(forgotten -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("request_id", requestId).put("user_id", user).put("forgotten", forgotten.getInteger("forgotten")).toBuffer()))
        .onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, bus.timeoutMillis(), requestId)));
  }

  private static final long MAX_AHEAD_SECONDS = 86_400;

  /**
   * {@code {"user_id": int, "movie_id": int, "rating": number, "time": int (epoch seconds, optional)}}, checked against
   * openapi.yaml already; whether the movie and the rating fit the served version is the embedding node's to say.
   */
  static FeedbackRequest request(JsonObject json) {
    int user = RecommendationRequest.integer(json.getValue("user_id"), "user_id");
    int movie = RecommendationRequest.integer(json.getValue("movie_id"), "movie_id");
    float rating = RecommendationRequest.finite(json.getValue("rating"), "rating");
    long time = json.getValue("time") instanceof Number t ? t.longValue() : 0;
    // Seconds, not milliseconds (found by a hostile run: any time was taken, a millisecond clock's 1,700,000,000,000
    // included): a day of clock skew is allowed, no more.
    if (time > System.currentTimeMillis() / 1000 + MAX_AHEAD_SECONDS) {
      throw ApiError.badField("time", "time " + time + " is more than a day ahead of this node's clock: it is seconds since 1970, not milliseconds");
    }
    return new FeedbackRequest(user, movie, rating, time);
  }
}

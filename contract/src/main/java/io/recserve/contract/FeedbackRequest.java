package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A rating sent by a user, to be stored and folded into the user's vector at once ({@code rating} null removes the
 * user's rating of the movie). Sent to {@link Addresses#FEEDBACK_RECORD}; an embedding node checks it against the
 * served version (known movie, rating on the data set's scale), stores it, applies it, and replies
 * {@code {"seq": 17, "user_id": 42, "movie_id": 1, "rating": 4.5, "time": 1700000000}}, or fails with
 * {@link FailureCodes#INVALID} naming the field (also for a duplicate of the same user, movie and time).
 */
public record FeedbackRequest(int userId, int movieId, Float rating, long time) {
  public JsonObject toJson() {
    return new JsonObject().put("user_id", userId).put("movie_id", movieId).put("rating", rating).put("time", time);
  }

  public static FeedbackRequest of(Object body) {
    return body instanceof FeedbackRequest r ? r : fromJson((JsonObject) body);
  }

  public static FeedbackRequest fromJson(JsonObject json) {
    Number rating = json.getNumber("rating");
    return new FeedbackRequest(Shapes.requireInt(json, "user_id"), Shapes.requireInt(json, "movie_id"), rating == null ? null : rating.floatValue(),
        json.getLong("time", 0L));
  }
}

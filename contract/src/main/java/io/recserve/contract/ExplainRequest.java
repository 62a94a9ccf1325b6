package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Asks an embedding node why each of {@code recommended} was recommended to a user (by id, or by the ratings of an
 * anonymous user): the up to two rated movies that contribute most to its score, by the exact decomposition of the
 * implicit-ALS score over the rated movies (Hu, Koren and Volinsky 2008, section 5). Answered
 * {@code {"because": [[{"movie_id": 1, "title": "..."}], ...]}}, one list per recommended movie, in order.
 * <pre>{"user_id": 42, "recommended": "AQAAAA==", "model_version": 3, "model_id": "uuid"}
 * {"movie_ids": "...", "ratings": "...", "recommended": "...", "model_version": 3, "model_id": "uuid"}</pre>
 */
public record ExplainRequest(Integer userId, int[] movieIds, float[] ratings, int[] recommended, ModelRef model) {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("recommended", Shapes.packInts(recommended));
    if (userId != null) json.put("user_id", userId);
    if (movieIds != null) json.put("movie_ids", Shapes.packInts(movieIds)).put("ratings", Shapes.packFloats(ratings));
    return ModelRef.put(json, "model", model);
  }

  public static ExplainRequest of(Object body) {
    return body instanceof ExplainRequest r ? r : fromJson((JsonObject) body);
  }

  public static ExplainRequest fromJson(JsonObject json) {
    boolean anonymous = json.containsKey("movie_ids");
    return new ExplainRequest(json.getInteger("user_id"), anonymous ? Shapes.unpackInts(json.getString("movie_ids")) : null,
        anonymous ? Shapes.unpackFloats(json.getString("ratings")) : null, Shapes.unpackInts(json.getString("recommended")), ModelRef.get(json, "model"));
  }

  /** The reply's lists, as JSON arrays of {"movie_id", "title"}. */
  public static JsonArray because(JsonObject reply) {
    return reply.getJsonArray("because", new JsonArray());
  }
}

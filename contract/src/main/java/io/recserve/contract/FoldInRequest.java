package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks an embedding node for the vector of a user given only by ratings (an anonymous user): one exact implicit-ALS
 * half-step against model version {@code model}'s movie vectors, with training's confidence and regularisation.
 * Answered with a {@link UserEmbeddingReply} whose {@code rated} lists the movies given (to leave them out), or
 * {@link FailureCodes#INVALID} naming the first movie the version does not know ({@code ratings[i].movie_id}).
 * <pre>{"movie_ids": "AQAAAA==", "ratings": "AACAQA==", "model_version": 3, "model_id": "uuid"}</pre>
 */
public record FoldInRequest(int[] movieIds, float[] ratings, ModelRef model) {
  public JsonObject toJson() {
    return ModelRef.put(new JsonObject().put("movie_ids", Shapes.packInts(movieIds)).put("ratings", Shapes.packFloats(ratings)), "model", model);
  }

  public static FoldInRequest of(Object body) {
    return body instanceof FoldInRequest r ? r : fromJson((JsonObject) body);
  }

  public static FoldInRequest fromJson(JsonObject json) {
    return new FoldInRequest(Shapes.unpackInts(json.getString("movie_ids")), Shapes.unpackFloats(json.getString("ratings")), ModelRef.get(json, "model"));
  }
}

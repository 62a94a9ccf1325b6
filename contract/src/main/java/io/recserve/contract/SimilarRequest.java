package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks an ANN node for the {@code k} movies closest by cosine to movie {@code movie_id} in model version {@code model},
 * the movie itself left out; answered with a {@link NeighbourSearchReply}, or {@link FailureCodes#NOT_FOUND} for a
 * movie the version does not know. <pre>{"movie_id": 1, "k": 10, "model_version": 3, "model_id": "uuid", "filters": {...}}</pre>
 */
public record SimilarRequest(int movieId, int k, ModelRef model, Filters filters) {
  public SimilarRequest {
    if (filters == null) filters = Filters.NONE;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("movie_id", movieId).put("k", k);
    if (!filters.none()) json.put("filters", filters.toJson());
    return ModelRef.put(json, "model", model);
  }

  public static SimilarRequest of(Object body) {
    return body instanceof SimilarRequest r ? r : fromJson((JsonObject) body);
  }

  public static SimilarRequest fromJson(JsonObject json) {
    return new SimilarRequest(Shapes.requireInt(json, "movie_id"), Shapes.requireInt(json, "k"), ModelRef.get(json, "model"),
        Filters.fromJson(json.getJsonObject("filters")));
  }
}

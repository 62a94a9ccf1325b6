package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The movies found, best first, as {@link Recommendation} objects, and the model version that scored them.
 * <pre>{"model_version": 3, "recommendations": [{"movie_id": 1, ...}]}</pre>
 */
public record NeighbourSearchReply(long modelVersion, JsonArray recommendations) {
  public JsonObject toJson() {
    return new JsonObject().put("model_version", modelVersion).put("recommendations", recommendations);
  }

  public static NeighbourSearchReply fromJson(JsonObject json) {
    return new NeighbourSearchReply(json.getLong("model_version"), json.getJsonArray("recommendations"));
  }
}

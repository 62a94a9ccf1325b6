package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The movies found, best first, as {@link Recommendation} objects, the model version that scored them, and the node
 * that searched: {@code {"model_version": 3, "model_id": "uuid", "node": "1234@host", "recommendations": [{"movie_id": 1, ...}]}}.
 */
public record NeighbourSearchReply(ModelRef model, String node, JsonArray recommendations) {
  public JsonObject toJson() {
    return ModelRef.put(new JsonObject().put("node", node).put("recommendations", recommendations), "model", model);
  }

  public static NeighbourSearchReply fromJson(JsonObject json) {
    return new NeighbourSearchReply(ModelRef.get(json, "model"), json.getString("node"), json.getJsonArray("recommendations"));
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The movies found, best first, as {@link Recommendation} objects, the model version that scored them, and the node
 * that searched: {@code {"model_version": 3, "node": "1234@host", "recommendations": [{"movie_id": 1, ...}]}}.
 */
public record NeighbourSearchReply(long modelVersion, String node, JsonArray recommendations) {
  public JsonObject toJson() {
    return new JsonObject().put("model_version", modelVersion).put("node", node).put("recommendations", recommendations);
  }

  public static NeighbourSearchReply fromJson(JsonObject json) {
    return new NeighbourSearchReply(json.getLong("model_version"), json.getString("node"), json.getJsonArray("recommendations"));
  }
}

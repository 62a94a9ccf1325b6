package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A user's vector and the movies the user rated (to exclude from recommendations), in model version
 * {@code model_version}. {@code found} is false, with an empty vector, for a user the model does not know.
 * <pre>{"user_id": 42, "model_version": 3, "found": true, "vector": [0.1, ...], "rated": [1, 50, ...]}</pre>
 */
public record UserEmbeddingReply(int userId, long modelVersion, boolean found, float[] vector, int[] rated) {
  public static UserEmbeddingReply unknown(int userId, long modelVersion) {
    return new UserEmbeddingReply(userId, modelVersion, false, new float[0], new int[0]);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("user_id", userId)
        .put("model_version", modelVersion)
        .put("found", found)
        .put("vector", Shapes.floats(vector))
        .put("rated", Shapes.ints(rated));
  }

  public static UserEmbeddingReply fromJson(JsonObject json) {
    JsonArray vector = json.getJsonArray("vector", new JsonArray());
    JsonArray rated = json.getJsonArray("rated", new JsonArray());
    return new UserEmbeddingReply(json.getInteger("user_id"), json.getLong("model_version"),
        json.getBoolean("found", false), Shapes.floats(vector), Shapes.ints(rated));
  }
}

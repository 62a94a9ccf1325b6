package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A user's vector and the movies the user rated (to exclude from recommendations), in model version
 * {@code model_version}. {@code found} is false, with an empty vector, for a user the model does not know.
 * {@code vector} is base64 of little-endian float32, {@code rated} base64 of little-endian int32 (see {@link Shapes}).
 * <pre>{"user_id": 42, "model_version": 3, "found": true, "vector": "zcxMPc3MzD0=", "rated": "AQAAADIAAAA="}</pre>
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
        .put("vector", Shapes.packFloats(vector))
        .put("rated", Shapes.packInts(rated));
  }

  public static UserEmbeddingReply fromJson(JsonObject json) {
    return new UserEmbeddingReply(json.getInteger("user_id"), json.getLong("model_version"),
        json.getBoolean("found", false), Shapes.unpackFloats(json.getString("vector")), Shapes.unpackInts(json.getString("rated")));
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Asks the embedding verticle for a user's vector in the model version it serves: {@code {"user_id": 42}}. */
public record UserEmbeddingRequest(int userId) {
  public JsonObject toJson() {
    return new JsonObject().put("user_id", userId);
  }

  public static UserEmbeddingRequest fromJson(JsonObject json) {
    return new UserEmbeddingRequest(Shapes.requireInt(json, "user_id"));
  }
}

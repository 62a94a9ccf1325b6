package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks the embedding verticle for a user's vector: {@code {"user_id": 42, "model_version": 3}}. The reply comes from
 * that version when the verticle holds it (current or previous), from its current version otherwise; the reply
 * names the version. {@code model_version} 0 or absent means the current one.
 */
public record UserEmbeddingRequest(int userId, long modelVersion) {
  public UserEmbeddingRequest(int userId) {
    this(userId, 0);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("user_id", userId);
    return modelVersion == 0 ? json : json.put("model_version", modelVersion);
  }

  public static UserEmbeddingRequest fromJson(JsonObject json) {
    return new UserEmbeddingRequest(Shapes.requireInt(json, "user_id"), json.getLong("model_version", 0L));
  }
}

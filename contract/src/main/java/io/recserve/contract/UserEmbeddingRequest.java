package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks the embedding verticle for a user's vector in model version {@code model} (a version it holds, else the
 * request fails with {@link FailureCodes#MODEL_NOT_LOADED}); without a version, in its current one:
 * {@code {"user_id": 42, "model_version": 3, "model_id": "uuid"}}.
 */
public record UserEmbeddingRequest(int userId, ModelRef model) {
  public UserEmbeddingRequest(int userId) {
    this(userId, null);
  }

  public JsonObject toJson() {
    return ModelRef.put(new JsonObject().put("user_id", userId), "model", model);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static UserEmbeddingRequest of(Object body) {
    return body instanceof UserEmbeddingRequest r ? r : fromJson((JsonObject) body);
  }

  public static UserEmbeddingRequest fromJson(JsonObject json) {
    return new UserEmbeddingRequest(Shapes.requireInt(json, "user_id"), ModelRef.get(json, "model"));
  }
}

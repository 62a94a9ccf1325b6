package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Asks an embedding node for a user's {@code top} highest-rated movies: {@code {"user_id": 42, "top": 10}}. */
public record RatedRequest(int userId, int top) {
  public static final int MAX_TOP = 100;

  public JsonObject toJson() {
    return new JsonObject().put("user_id", userId).put("top", top);
  }

  public static RatedRequest fromJson(JsonObject json) {
    Integer user = json.getInteger("user_id");
    int top = json.getInteger("top", 10);
    if (user == null) throw new IllegalArgumentException("user_id is required");
    if (top < 1 || top > MAX_TOP) throw new IllegalArgumentException("top must be between 1 and " + MAX_TOP);
    return new RatedRequest(user, top);
  }
}

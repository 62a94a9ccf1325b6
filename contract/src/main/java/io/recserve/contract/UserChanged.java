package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A user's ratings changed (feedback, a rating removed, the user forgotten) as of feedback {@code generation}. Sent to
 * every live embedding node's {@code recserve.embedding.refresh.<node>} (each folds the user in again from the store),
 * to every HTTP node's {@code recserve.http.invalidate.<node>} and to {@link Addresses#CACHE_INVALIDATE} (cached answers
 * of the user in versions {@code model_ids} are dropped, and answers older than the generation are no longer cached).
 * Each replies {@code {}} once done. <pre>{"user_id": 42, "generation": 17, "model_ids": ["uuid", ...]}</pre>
 */
public record UserChanged(int userId, long generation, java.util.List<String> modelIds) {
  public JsonObject toJson() {
    return new JsonObject().put("user_id", userId).put("generation", generation).put("model_ids", new JsonArray(new java.util.ArrayList<>(modelIds)));
  }

  public static UserChanged of(Object body) {
    return body instanceof UserChanged r ? r : fromJson((JsonObject) body);
  }

  @SuppressWarnings("unchecked")
  public static UserChanged fromJson(JsonObject json) {
    return new UserChanged(Shapes.requireInt(json, "user_id"), json.getLong("generation", 0L),
        java.util.List.copyOf(json.getJsonArray("model_ids", new JsonArray()).getList()));
  }
}

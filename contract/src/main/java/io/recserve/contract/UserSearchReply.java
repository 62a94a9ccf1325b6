package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * The answer to {@link UserSearchRequest}: whether the model knows the user, the user's feedback generation (as in
 * {@link UserEmbeddingReply}), and, for a known user, the ANN's {@link NeighbourSearchReply} as it came.
 * <pre>{"user_id": 42, "model_version": 3, "model_id": "uuid", "found": true, "generation": 7,
 *  "search": {"model_version": 3, "node": "1234@host", "recommendations": [...], "movie_ids": "...", "scores": "..."}}</pre>
 */
public record UserSearchReply(int userId, ModelRef model, boolean found, long generation, NeighbourSearchReply search) {
  public static UserSearchReply unknown(int userId, ModelRef model) {
    return new UserSearchReply(userId, model, false, 0, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("user_id", userId).put("found", found);
    if (generation > 0) json.put("generation", generation);
    if (search != null) json.put("search", search.toJson());
    return ModelRef.put(json, "model", model);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static UserSearchReply of(Object body) {
    return body instanceof UserSearchReply r ? r : fromJson((JsonObject) body);
  }

  public static UserSearchReply fromJson(JsonObject json) {
    JsonObject search = json.getJsonObject("search");
    return new UserSearchReply(Shapes.requireInt(json, "user_id"), ModelRef.get(json, "model"), json.getBoolean("found", false),
        json.getLong("generation", 0L), search == null ? null : NeighbourSearchReply.fromJson(search));
  }
}

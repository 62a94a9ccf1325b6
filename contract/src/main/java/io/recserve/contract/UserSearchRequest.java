package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks an embedding node for a known user's recommendations in one message: the node looks up the user's vector and
 * rated movies in version {@code model}, asks the ANN verticle of its own JVM ({@link Addresses#onNode} of
 * {@link Addresses#ANN_SEARCH} with its own node id) for the {@code k} best movies left, and answers
 * {@link UserSearchReply}. An HTTP node sends it only to a node that announces both roles and holds the version; it
 * saves two of the four crossings between JVMs a request makes when the HTTP node runs apart.
 * <pre>{"user_id": 42, "k": 10, "model_version": 3, "model_id": "uuid", "filters": {...}}</pre>
 */
public record UserSearchRequest(int userId, int k, ModelRef model, Filters filters) {
  public UserSearchRequest {
    if (filters == null) filters = Filters.NONE;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("user_id", userId).put("k", k);
    if (!filters.none()) json.put("filters", filters.toJson());
    return ModelRef.put(json, "model", model);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static UserSearchRequest of(Object body) {
    return body instanceof UserSearchRequest r ? r : fromJson((JsonObject) body);
  }

  public static UserSearchRequest fromJson(JsonObject json) {
    return new UserSearchRequest(Shapes.requireInt(json, "user_id"), Shapes.requireInt(json, "k"), ModelRef.get(json, "model"),
        Filters.fromJson(json.getJsonObject("filters")));
  }
}

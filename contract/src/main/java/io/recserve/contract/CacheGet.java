package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Looks an answer up in the response cache: {@code field} of the entry {@code key}. Answers of one user (or one
 * movie's similar movies) in one model version share a key, one field per request variant, so they can be dropped
 * together. <pre>{"key": "rec:3:5f0c...:u42", "field": "k10"}</pre>
 */
public record CacheGet(String key, String field) {
  public JsonObject toJson() {
    return new JsonObject().put("key", key).put("field", field);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static CacheGet of(Object body) {
    return body instanceof CacheGet r ? r : fromJson((JsonObject) body);
  }

  public static CacheGet fromJson(JsonObject json) {
    return new CacheGet(Shapes.requireString(json, "key"), Shapes.requireString(json, "field"));
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Looks a key up in the response cache: {@code {"key": "rec:v3:u42:k10"}}. */
public record CacheGet(String key) {
  public JsonObject toJson() {
    return new JsonObject().put("key", key);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static CacheGet of(Object body) {
    return body instanceof CacheGet r ? r : fromJson((JsonObject) body);
  }

  public static CacheGet fromJson(JsonObject json) {
    return new CacheGet(Shapes.requireString(json, "key"));
  }
}

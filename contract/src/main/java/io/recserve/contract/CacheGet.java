package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Looks a key up in the response cache: {@code {"key": "rec:v3:u42:k10"}}. */
public record CacheGet(String key) {
  public JsonObject toJson() {
    return new JsonObject().put("key", key);
  }

  public static CacheGet fromJson(JsonObject json) {
    return new CacheGet(Shapes.requireString(json, "key"));
  }
}

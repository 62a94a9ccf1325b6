package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A cached value under a key. As the reply to {@link CacheGet}, {@code value} is absent on a miss.
 * As a {@link Addresses#CACHE_PUT} message it is stored for the cache's time to live.
 * <pre>{"key": "rec:v3:u42:k10", "value": {...}}</pre>
 */
public record CacheEntry(String key, JsonObject value) {
  public boolean hit() {
    return value != null;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("key", key);
    return value == null ? json : json.put("value", value);
  }

  public static CacheEntry fromJson(JsonObject json) {
    return new CacheEntry(Shapes.requireString(json, "key"), json.getJsonObject("value"));
  }

  /** The key a recommendation answer is cached under; the model version in it keeps versions apart. */
  public static String recommendationKey(long modelVersion, int userId, int cutoff) {
    return "rec:v" + modelVersion + ":u" + userId + ":k" + cutoff;
  }
}

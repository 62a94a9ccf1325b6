package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A cached value under a key: text the cache keeps as it is and never reads. As the reply to {@link CacheGet},
 * {@code value} is absent on a miss. As a {@link Addresses#CACHE_PUT} message it is stored for the cache's time to
 * live. <pre>{"key": "rec:2:5f0c...:u42:k10", "value": "..."}</pre>
 */
public record CacheEntry(String key, String value) {
  /** The shape of cached answers; raised whenever what is cached changes, so old entries are never read. */
  public static final int FORMAT = 3;

  public boolean hit() {
    return value != null;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("key", key);
    return value == null ? json : json.put("value", value);
  }

  public static CacheEntry fromJson(JsonObject json) {
    return new CacheEntry(Shapes.requireString(json, "key"), json.getString("value"));
  }

  public static CacheEntry of(Object body) {
    return body instanceof CacheEntry e ? e : fromJson((JsonObject) body);
  }

  /**
   * The key a recommendation answer is cached under: the answer format and the model version's id keep versions
   * apart, also across a store recreated from scratch, where version numbers repeat. {@code variant} names every
   * other input that changes the answer (the cutoff, filters), so the key carries all of them.
   */
  public static String recommendationKey(ModelRef model, int userId, String variant) {
    return "rec:" + FORMAT + ":" + model.id() + ":u" + userId + ":" + variant;
  }

  public static String recommendationKey(ModelRef model, int userId, int cutoff) {
    return recommendationKey(model, userId, "k" + cutoff);
  }
}

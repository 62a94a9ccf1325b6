package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A cached value: text the cache keeps as it is and never reads, under {@code field} of entry {@code key}. As the
 * reply to {@link CacheGet}, {@code value} is absent on a miss. As a {@link Addresses#CACHE_PUT} message it is stored
 * for the cache's time to live, unless it was computed before the user's latest change: {@code user_id} and
 * {@code generation} (the user's latest feedback in it) let the cache refuse such a put after a
 * {@link Addresses#CACHE_INVALIDATE}. <pre>{"key": "rec:3:5f0c...:u42", "field": "k10", "value": "...", "user_id": 42, "generation": 0}</pre>
 */
public record CacheEntry(String key, String field, String value, Integer userId, long generation) {
  /** The shape of cached answers; raised whenever what is cached changes, so old entries are never read. */
  public static final int FORMAT = 4;

  public CacheEntry(String key, String field, String value) {
    this(key, field, value, null, 0);
  }

  public boolean hit() {
    return value != null;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("key", key).put("field", field);
    if (value != null) json.put("value", value);
    if (userId != null) json.put("user_id", userId).put("generation", generation);
    return json;
  }

  public static CacheEntry fromJson(JsonObject json) {
    return new CacheEntry(Shapes.requireString(json, "key"), Shapes.requireString(json, "field"), json.getString("value"),
        json.getInteger("user_id"), json.getLong("generation", 0L));
  }

  public static CacheEntry of(Object body) {
    return body instanceof CacheEntry e ? e : fromJson((JsonObject) body);
  }

  /**
   * The entry a user's recommendation answers are cached under in one model version: the answer format and the
   * version's id keep versions apart, also across a store recreated from scratch, where version numbers repeat. The
   * field names every other input that changes the answer (cutoff, filters, ...).
   */
  public static String userKey(String modelId, int userId) {
    return "rec:" + FORMAT + ":" + modelId + ":u" + userId;
  }

  /** The entry a movie's similar movies are cached under in one model version. */
  public static String movieKey(String modelId, int movieId) {
    return "sim:" + FORMAT + ":" + modelId + ":m" + movieId;
  }
}

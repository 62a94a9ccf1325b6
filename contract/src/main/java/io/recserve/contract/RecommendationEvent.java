package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What was recommended, published once per answered {@code /recommend} (cache hits too).
 * <pre>{"request_id": "uuid", "user_id": 42, "cutoff": 10, "items": [{"movie_id": 1, "score": 0.7}],
 *  "model_version": 3, "cache_hit": false, "latency_ms": 1.8, "time": "2026-11-28T17:00:00.123Z"}</pre>
 * {@code model_version} is 0 when no model knew the user (an empty answer before any model was served).
 */
public record RecommendationEvent(String requestId, int userId, int cutoff, JsonArray items, long modelVersion,
                                  boolean cacheHit, double latencyMs, String time) {
  public JsonObject toJson() {
    return new JsonObject()
        .put("request_id", requestId)
        .put("user_id", userId)
        .put("cutoff", cutoff)
        .put("items", items)
        .put("model_version", modelVersion)
        .put("cache_hit", cacheHit)
        .put("latency_ms", latencyMs)
        .put("time", time);
  }

  public static RecommendationEvent fromJson(JsonObject json) {
    return new RecommendationEvent(Shapes.requireString(json, "request_id"), Shapes.requireInt(json, "user_id"),
        json.getInteger("cutoff", 0), json.getJsonArray("items", new JsonArray()), json.getLong("model_version", 0L),
        json.getBoolean("cache_hit", false), json.getDouble("latency_ms", 0.0), json.getString("time"));
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * What was answered, one per answered request (cache hits too). {@code kind} says which route: {@code recommend}
 * (a known user), {@code anonymous} (recommendations from given ratings), {@code similar} (similar movies),
 * {@code feedback}. {@code user_id} is absent for anonymous and similar-movie events.
 * <pre>{"request_id": "uuid", "kind": "recommend", "user_id": 42, "cutoff": 10, "items": [{"movie_id": 1, "score": 0.7}],
 *  "model_version": 3, "cache_hit": false, "latency_ms": 1.8, "time": "2026-11-28T17:00:00.123Z"}</pre>
 * {@code model_version} is 0 when no model scored anything (an empty answer before any model was served). In memory
 * the items are two parallel arrays, so that an event costs no object per movie.
 */
public record RecommendationEvent(String requestId, String kind, Integer userId, int cutoff, int[] movieIds, float[] scores,
                                  long modelVersion, boolean cacheHit, double latencyMs, long timeMillis) {
  public static final String RECOMMEND = "recommend";

  public RecommendationEvent {
    if (movieIds.length != scores.length) throw new IllegalArgumentException("items need one score per movie");
  }

  public JsonObject toJson() {
    JsonArray items = new JsonArray(new java.util.ArrayList<>(movieIds.length));
    for (int i = 0; i < movieIds.length; i++) items.add(new JsonObject().put("movie_id", movieIds[i]).put("score", scores[i]));
    JsonObject json = new JsonObject().put("request_id", requestId).put("kind", kind);
    if (userId != null) json.put("user_id", userId);
    return json.put("cutoff", cutoff).put("items", items).put("model_version", modelVersion).put("cache_hit", cacheHit)
        .put("latency_ms", latencyMs).put("time", Instant.ofEpochMilli(timeMillis).toString());
  }

  /**
   * The same JSON as {@link #toJson()}, written straight into {@code out} without a JSON tree: the analytics file and
   * the wire form of event batches hold one per event. Every field is a number, a boolean, a UUID or a kind name, so
   * nothing needs escaping.
   */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"request_id\":\"").append(requestId).append("\",\"kind\":\"").append(kind).append('"');
    if (userId != null) out.append(",\"user_id\":").append(userId.intValue());
    out.append(",\"cutoff\":").append(cutoff).append(",\"items\":[");
    for (int i = 0; i < movieIds.length; i++) {
      if (i > 0) out.append(',');
      out.append("{\"movie_id\":").append(movieIds[i]).append(",\"score\":").append(scores[i]).append('}');
    }
    return out.append("],\"model_version\":").append(modelVersion).append(",\"cache_hit\":").append(cacheHit)
        .append(",\"latency_ms\":").append(latencyMs).append(",\"time\":\"").append(Instant.ofEpochMilli(timeMillis)).append("\"}");
  }

  /** Reads an event; refuses one without a UUID request id or with a malformed field, naming it. */
  public static RecommendationEvent fromJson(JsonObject json) {
    String id = Shapes.requireString(json, "request_id");
    try {
      UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("message field 'request_id' must be a UUID");
    }
    JsonArray items = json.getJsonArray("items", new JsonArray());
    int[] movies = new int[items.size()];
    float[] scores = new float[items.size()];
    for (int i = 0; i < movies.length; i++) {
      JsonObject item = items.getJsonObject(i);
      movies[i] = Shapes.requireInt(item, "movie_id");
      scores[i] = item.getNumber("score", 0).floatValue();
    }
    Object user = json.getValue("user_id");
    String time = json.getString("time");
    return new RecommendationEvent(id, json.getString("kind", RECOMMEND), user == null ? null : Shapes.requireInt(json, "user_id"),
        json.getInteger("cutoff", 0), movies, scores, json.getLong("model_version", 0L), json.getBoolean("cache_hit", false),
        json.getDouble("latency_ms", 0.0), time == null ? 0 : Instant.parse(time).toEpochMilli());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecommendationEvent e && requestId.equals(e.requestId) && kind.equals(e.kind) && java.util.Objects.equals(userId, e.userId)
        && cutoff == e.cutoff && java.util.Arrays.equals(movieIds, e.movieIds) && java.util.Arrays.equals(scores, e.scores)
        && modelVersion == e.modelVersion && cacheHit == e.cacheHit && latencyMs == e.latencyMs && timeMillis == e.timeMillis;
  }

  @Override
  public int hashCode() {
    return requestId.hashCode();
  }
}

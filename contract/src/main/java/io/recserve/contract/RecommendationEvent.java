package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
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
  public static final String ANONYMOUS = "anonymous";
  public static final String SIMILAR = "similar";
  public static final String FEEDBACK = "feedback";
  public static final String RATING_REMOVED = "rating_removed";
  /** The kinds that answered with recommendations: the ones the analytics summaries count (not feedback). */
  public static final java.util.Set<String> ANSWERS = java.util.Set.of(RECOMMEND, ANONYMOUS, SIMILAR);

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

  /**
   * Reads the event object the parser is at, without a JSON tree, with the checks and defaults of {@link #fromJson}:
   * the wire form of an HTTP node's batch, where building the tree was a fifth of an analytics node's CPU
   * (docs/performance.md). A field of the wrong type is named.
   */
  static RecommendationEvent read(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("each event must be a JSON object");
    String id = null, kind = RECOMMEND, time = null;
    Integer user = null;
    int cutoff = 0;
    int[] movies = new int[0];
    float[] scores = new float[0];
    long version = 0;
    boolean hit = false;
    double latency = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_NULL && !field.equals("request_id")) continue; // absent, as in the tree
      switch (field) {
        case "request_id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "kind" -> kind = text(p, value, field);
        case "user_id" -> user = integer(p, value, field);
        case "cutoff" -> cutoff = integer(p, value, field);
        case "model_version" -> version = number(p, value, field).longValue();
        case "cache_hit" -> {
          if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) throw wrong(field, "a boolean");
          hit = value == JsonToken.VALUE_TRUE;
        }
        case "latency_ms" -> latency = number(p, value, field).doubleValue();
        case "time" -> time = text(p, value, field);
        case "items" -> {
          if (value != JsonToken.START_ARRAY) throw wrong(field, "an array");
          int n = 0;
          movies = new int[16];
          scores = new float[16];
          while (p.nextToken() == JsonToken.START_OBJECT) {
            if (n == movies.length) {
              movies = java.util.Arrays.copyOf(movies, n * 2);
              scores = java.util.Arrays.copyOf(scores, n * 2);
            }
            Integer movie = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String itemField = p.currentName();
              JsonToken itemValue = p.nextToken();
              if (itemField.equals("movie_id") && itemValue != JsonToken.VALUE_NULL) movie = integer(p, itemValue, itemField);
              else if (itemField.equals("score") && itemValue != JsonToken.VALUE_NULL) scores[n] = decimal(p, itemValue, itemField);
              else p.skipChildren();
            }
            if (movie == null) throw new IllegalArgumentException("message field 'movie_id' must be an integer");
            movies[n++] = movie;
          }
          if (p.currentToken() != JsonToken.END_ARRAY) throw new IllegalArgumentException("message field 'items' must hold objects");
          movies = java.util.Arrays.copyOf(movies, n);
          scores = java.util.Arrays.copyOf(scores, n);
        }
        default -> p.skipChildren();
      }
    }
    if (id == null) throw new IllegalArgumentException("message field 'request_id' must be a string");
    try {
      UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("message field 'request_id' must be a UUID");
    }
    return new RecommendationEvent(id, kind, user, cutoff, movies, scores, version, hit, latency, time == null ? 0 : epochMillis(time));
  }

  /**
   * {@code Instant.parse(text).toEpochMilli()}, with a fast path for what {@link Instant#toString()} writes for the
   * years 0000–9999 ({@code 2026-11-28T17:49:40.123Z}, with 0 to 9 digits of fraction): Instant.parse took about a
   * microsecond per event, a quarter of reading one. Anything else goes to Instant.parse, errors included.
   */
  static long epochMillis(String text) {
    int n = text.length();
    if (n < 20 || n > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
        || text.charAt(16) != ':' || text.charAt(n - 1) != 'Z' || (n > 20 && (text.charAt(19) != '.' || n == 21))) {
      return Instant.parse(text).toEpochMilli();
    }
    int year = digits(text, 0, 4), month = digits(text, 5, 7), day = digits(text, 8, 10);
    int hour = digits(text, 11, 13), minute = digits(text, 14, 16), second = digits(text, 17, 19);
    int fraction = n > 20 ? digits(text, 20, Math.min(23, n - 1)) : 0;
    if (n > 20 && n - 1 < 23) fraction *= n - 1 == 21 ? 100 : 10; // .1 is 100 ms, .12 is 120 ms
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth() || (hour | minute | second) < 0
        || hour > 23 || minute > 59 || second > 59 || fraction < 0 || (n > 24 && digits(text, 23, n - 1) < 0)) {
      return Instant.parse(text).toEpochMilli();
    }
    long days = java.time.LocalDate.of(year, month, day).toEpochDay();
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + fraction;
  }

  /** The decimal number in {@code text[from, to)}, or -1 if a char there is not a digit. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      int d = text.charAt(i) - '0';
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  }

  private static String text(JsonParser p, JsonToken value, String field) throws IOException {
    if (value != JsonToken.VALUE_STRING) throw wrong(field, "a string");
    return p.getText();
  }

  private static Number number(JsonParser p, JsonToken value, String field) throws IOException {
    if (!value.isNumeric()) throw wrong(field, "a number");
    return p.getNumberValue();
  }

  private static float decimal(JsonParser p, JsonToken value, String field) throws IOException {
    if (!value.isNumeric()) throw wrong(field, "a number");
    return p.getFloatValue();
  }

  private static int integer(JsonParser p, JsonToken value, String field) throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) throw wrong(field, "an integer");
    return p.getIntValue();
  }

  private static IllegalArgumentException wrong(String field, String what) {
    return new IllegalArgumentException("message field '" + field + "' must be " + what);
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

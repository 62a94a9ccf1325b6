package io.recserve.http;

import io.recserve.contract.Filters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated recommendation request: for a known user ({@code user_id}) or an anonymous one given by
 * {@code ratings} (never both), with {@code cutoff} (1..100, 10), optional filters ({@link Filters}), {@code explain}
 * and {@code fallback} ("popular": the most rated movies for a user the model does not know; the default is an empty
 * list). Every mistake is refused naming its field.
 */
record RecommendationRequest(Integer userId, int[] ratedMovies, float[] ratings, int cutoff, Filters filters, boolean explain, boolean popularFallback) {
  static final int DEFAULT_CUTOFF = 10;
  static final int MAX_CUTOFF = 100;
  static final int MAX_RATINGS = 1000;
  static final int MAX_LIST = 1000;

  /** Plain {@code {"user_id": u, "cutoff": k}}. */
  RecommendationRequest(int userId, int cutoff) {
    this(userId, null, null, cutoff, Filters.NONE, false, false);
  }

  boolean anonymous() {
    return userId == null;
  }

  static RecommendationRequest parse(Buffer body) {
    if (body == null || body.length() == 0) throw new ApiError(400, "invalid_body", "request body is empty; send {\"user_id\": <int>}", null, null);
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiError(400, "malformed_json", "body is not valid JSON: " + ErrorMapping.publicText(parserDetail(e.getMessage()), "cannot parse it"), null, null);
    }
    if (!(parsed instanceof JsonObject json)) throw new ApiError(400, "invalid_body", "body must be a JSON object", null, null);
    return of(json, "");
  }

  /** From one JSON object; {@code prefix} goes before field names (a batch's {@code requests[3].}). */
  static RecommendationRequest of(JsonObject json, String prefix) {
    boolean hasUser = json.containsKey("user_id");
    boolean hasRatings = json.containsKey("ratings");
    if (hasUser && hasRatings) throw ApiError.badField(prefix + "ratings", "send user_id or ratings, never both");
    if (!hasUser && !hasRatings) throw ApiError.badField(prefix + "user_id", "user_id is required (or ratings, for a user the model does not know)");
    Integer userId = null;
    int[] movies = null;
    float[] ratings = null;
    if (hasUser) {
      if (json.getValue("user_id") == null) throw ApiError.badField(prefix + "user_id", "user_id is required");
      userId = integer(json.getValue("user_id"), prefix + "user_id");
    } else {
      if (!(json.getValue("ratings") instanceof JsonArray array)) throw ApiError.badField(prefix + "ratings", "ratings must be an array of {\"movie_id\": int, \"rating\": number}");
      if (array.isEmpty()) throw ApiError.badField(prefix + "ratings", "ratings must not be empty");
      if (array.size() > MAX_RATINGS) throw ApiError.badField(prefix + "ratings", "at most " + MAX_RATINGS + " ratings");
      movies = new int[array.size()];
      ratings = new float[array.size()];
      Set<Integer> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String at = prefix + "ratings[" + i + "]";
        if (!(array.getValue(i) instanceof JsonObject r)) throw ApiError.badField(at, at + " must be an object {\"movie_id\": int, \"rating\": number}");
        if (r.getValue("movie_id") == null) throw ApiError.badField(at + ".movie_id", "movie_id is required");
        movies[i] = integer(r.getValue("movie_id"), at + ".movie_id");
        if (!seen.add(movies[i])) throw ApiError.badField(at + ".movie_id", "movie " + movies[i] + " is rated twice");
        if (!(r.getValue("rating") instanceof Number n) || !Double.isFinite(n.doubleValue())) throw ApiError.badField(at + ".rating", "rating must be a number");
        ratings[i] = n.floatValue();
      }
    }
    int cutoff = DEFAULT_CUTOFF;
    if (json.containsKey("cutoff")) {
      if (json.getValue("cutoff") == null) throw ApiError.badField(prefix + "cutoff", "cutoff must be an integer between 1 and " + MAX_CUTOFF + " (or left out), got null");
      cutoff = integer(json.getValue("cutoff"), prefix + "cutoff");
      if (cutoff < 1 || cutoff > MAX_CUTOFF) throw ApiError.badField(prefix + "cutoff", "cutoff must lie between 1 and " + MAX_CUTOFF + ", got " + cutoff);
    }
    boolean explain = bool(json, "explain", prefix);
    boolean popular = false;
    if (json.containsKey("fallback")) {
      Object f = json.getValue("fallback");
      if (!"popular".equals(f) && !"none".equals(f)) throw ApiError.badField(prefix + "fallback", "fallback must be \"popular\" or \"none\"");
      popular = "popular".equals(f);
    }
    return new RecommendationRequest(userId, movies, ratings, cutoff, filters(json, prefix), explain, popular);
  }

  /** The filter fields of a body or a query: genres, exclude_genres, exclude_movie_ids, year_min, year_max. */
  static Filters filters(JsonObject json, String prefix) {
    Integer yearMin = json.containsKey("year_min") ? integer(json.getValue("year_min"), prefix + "year_min") : null;
    Integer yearMax = json.containsKey("year_max") ? integer(json.getValue("year_max"), prefix + "year_max") : null;
    if (yearMin != null && yearMax != null && yearMin > yearMax) throw ApiError.badField(prefix + "year_min", "year_min must not be after year_max");
    JsonArray excluded = list(json, "exclude_movie_ids", prefix);
    int[] movies = new int[excluded.size()];
    for (int i = 0; i < movies.length; i++) movies[i] = integer(excluded.getValue(i), prefix + "exclude_movie_ids[" + i + "]");
    return new Filters(strings(json, "genres", prefix), strings(json, "exclude_genres", prefix), movies, yearMin, yearMax);
  }

  private static JsonArray list(JsonObject json, String field, String prefix) {
    if (!json.containsKey(field)) return new JsonArray();
    if (!(json.getValue(field) instanceof JsonArray a)) throw ApiError.badField(prefix + field, field + " must be an array");
    if (a.size() > MAX_LIST) throw ApiError.badField(prefix + field, field + " may hold at most " + MAX_LIST + " values");
    return a;
  }

  private static List<String> strings(JsonObject json, String field, String prefix) {
    JsonArray a = list(json, field, prefix);
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s) || s.isBlank()) throw ApiError.badField(prefix + field + "[" + i + "]", field + " must hold genre names");
      out.add(s);
    }
    return out;
  }

  private static boolean bool(JsonObject json, String field, String prefix) {
    if (!json.containsKey(field)) return false;
    if (!(json.getValue(field) instanceof Boolean b)) throw ApiError.badField(prefix + field, field + " must be true or false");
    return b;
  }

  static int integer(Object value, String field) {
    if (value instanceof Integer i) return i;
    if (value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) return d.intValue();
    if (value instanceof Number) throw ApiError.badField(field, field + " must be a 32-bit integer, got " + value);
    throw ApiError.badField(field, field + " must be an integer, got " + (value == null ? "null" : value instanceof String ? "a string"
        : value.getClass().getSimpleName().replace("Json", "").toLowerCase()));
  }

  /**
   * The parser's own words on what is wrong ("Unexpected character ('b' (code 98))"), without its prefix and without
   * the source it names (Jackson's "[Source: (io.netty...)...]", a class name).
   */
  static String parserDetail(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).replaceFirst("^Failed to decode:\\s*", "");
    for (String cut : new String[] {" (start marker", "[Source", " at [", ": was expecting", "\n"}) {
      int at = line.indexOf(cut);
      if (at > 0) line = line.substring(0, at);
    }
    return line.strip();
  }
}

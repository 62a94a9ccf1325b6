package io.recserve.http;

import io.recserve.contract.Filters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated recommendation request: for a known user ({@code user_id}) or an anonymous one given by
 * {@code ratings} (never both), with {@code cutoff} (default 10), optional filters ({@link Filters}), {@code explain}
 * and {@code fallback} ("popular": the most rated movies for a user the model does not know; the default is an empty
 * list). The rules are openapi.yaml's {@code RecommendRequest}, checked by {@link OpenApiRules} before this is built.
 */
record RecommendationRequest(Integer userId, int[] ratedMovies, float[] ratings, int cutoff, Filters filters, boolean explain, boolean popularFallback) {
  static final int DEFAULT_CUTOFF = 10;

  /** Plain {@code {"user_id": u, "cutoff": k}}. */
  RecommendationRequest(int userId, int cutoff) {
    this(userId, null, null, cutoff, Filters.NONE, false, false);
  }

  boolean anonymous() {
    return userId == null;
  }

  /**
   * From one JSON object that keeps the document's {@code RecommendRequest} rules ({@link OpenApiRules}: types,
   * bounds, user_id or ratings); here only the rules the document cannot say: a movie rated twice, year_min after
   * year_max, a rating beyond a float. {@code prefix} goes before field names (a batch's {@code requests[3].}).
   */
  static RecommendationRequest of(JsonObject json, String prefix) {
    Integer userId = null;
    int[] movies = null;
    float[] ratings = null;
    if (json.containsKey("user_id")) {
      userId = integer(json.getValue("user_id"), prefix + "user_id");
    } else {
      JsonArray array = json.getJsonArray("ratings");
      movies = new int[array.size()];
      ratings = new float[array.size()];
      Set<Integer> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String at = prefix + "ratings[" + i + "]";
        JsonObject r = array.getJsonObject(i);
        movies[i] = integer(r.getValue("movie_id"), at + ".movie_id");
        if (!seen.add(movies[i])) throw ApiError.badField(at + ".movie_id", "movie " + movies[i] + " is rated twice");
        ratings[i] = finite(r.getValue("rating"), at + ".rating");
      }
    }
    int cutoff = json.getValue("cutoff") instanceof Number n ? integer(n, prefix + "cutoff") : DEFAULT_CUTOFF;
    boolean explain = Boolean.TRUE.equals(json.getValue("explain"));
    boolean popular = "popular".equals(json.getValue("fallback"));
    return new RecommendationRequest(userId, movies, ratings, cutoff, filters(json, prefix), explain, popular);
  }

  /**
   * The filter fields of a body or a query, checked against the document already: genres, exclude_genres,
   * exclude_movie_ids, year_min, year_max (year_min not after year_max, which the document cannot say).
   */
  static Filters filters(JsonObject json, String prefix) {
    Integer yearMin = json.getValue("year_min") instanceof Number n ? integer(n, prefix + "year_min") : null;
    Integer yearMax = json.getValue("year_max") instanceof Number n ? integer(n, prefix + "year_max") : null;
    if (yearMin != null && yearMax != null && yearMin > yearMax) throw ApiError.badField(prefix + "year_min", "year_min must not be after year_max");
    JsonArray excluded = json.getJsonArray("exclude_movie_ids", new JsonArray());
    int[] movies = new int[excluded.size()];
    for (int i = 0; i < movies.length; i++) movies[i] = integer(excluded.getValue(i), prefix + "exclude_movie_ids[" + i + "]");
    return new Filters(strings(json, "genres"), strings(json, "exclude_genres"), movies, yearMin, yearMax);
  }

  private static List<String> strings(JsonObject json, String field) {
    JsonArray a = json.getJsonArray(field, new JsonArray());
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) out.add(a.getString(i));
    return out;
  }

  /** A JSON number as a float; JSON has no infinity, but the parser reads 1e400 as one. */
  static float finite(Object value, String field) {
    float f = ((Number) value).floatValue();
    if (!Float.isFinite(f)) throw ApiError.badField(field, field + " must be a finite number");
    return f;
  }

  /** A JSON number as a 32-bit int (the document's int32; a fault named by {@code field} should one slip through). */
  static int integer(Object value, String field) {
    if (value instanceof Integer i) return i;
    if (value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
    throw ApiError.badField(field, field + " must be a 32-bit integer");
  }

  /**
   * The parser's own words on what is wrong ("Unexpected character ('b' (code 98))"), without its prefix and without
   * the source it names (Jackson's "[Source: (io.netty...)...]", a class name), nor the setting or limit it names
   * ("enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", "from `StreamReadConstraints.getMaxNestingDepth()`").
   */
  static String parserDetail(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).replaceFirst("^Failed to decode:\\s*", "")
        .replaceAll(",? from `[^`]*`", "");
    for (String cut : new String[] {" (start marker", "[Source", " at [", ": was expecting", ": enable `", " (not recognized as one since", "\n"}) {
      int at = line.indexOf(cut);
      if (at > 0) line = line.substring(0, at);
    }
    return line.strip();
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a recommendation or similar-movies request keeps or leaves out, applied inside the kNN search, so answers stay
 * full whenever enough movies match: {@code genres} (any of), {@code exclude_genres}, {@code exclude_movie_ids}, and
 * {@code year_min}/{@code year_max} (the year in the title). Genres compare without case.
 * <pre>{"genres": ["Comedy"], "exclude_genres": ["Horror"], "exclude_movie_ids": [1, 2], "year_min": 1990, "year_max": 1999}</pre>
 */
public record Filters(List<String> genres, List<String> excludeGenres, int[] excludeMovieIds, Integer yearMin, Integer yearMax) {
  private static final int[] NO_MOVIES = new int[0];
  public static final Filters NONE = new Filters(List.of(), List.of(), NO_MOVIES, null, null);

  public Filters {
    genres = normalized(genres);
    excludeGenres = normalized(excludeGenres);
    excludeMovieIds = excludeMovieIds == null || excludeMovieIds.length == 0 ? NO_MOVIES : Arrays.stream(excludeMovieIds).sorted().distinct().toArray();
  }

  private static List<String> normalized(List<String> genres) {
    if (genres == null || genres.isEmpty()) return List.of();
    return genres.stream().map(g -> g.strip().toLowerCase(Locale.ROOT)).filter(g -> !g.isEmpty()).sorted().distinct().toList();
  }

  public boolean none() {
    return genres.isEmpty() && excludeGenres.isEmpty() && excludeMovieIds.length == 0 && yearMin == null && yearMax == null;
  }

  /** A canonical text of the filter, part of cache keys (empty when there is none). */
  public String variant() {
    if (none()) return "";
    StringBuilder s = new StringBuilder();
    if (!genres.isEmpty()) s.append("|g=").append(String.join(",", genres));
    if (!excludeGenres.isEmpty()) s.append("|xg=").append(String.join(",", excludeGenres));
    if (excludeMovieIds.length > 0) {
      s.append("|xm=");
      for (int i = 0; i < excludeMovieIds.length; i++) s.append(i == 0 ? "" : ",").append(excludeMovieIds[i]);
    }
    if (yearMin != null) s.append("|y>=").append(yearMin);
    if (yearMax != null) s.append("|y<=").append(yearMax);
    return s.toString();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (!genres.isEmpty()) json.put("genres", new JsonArray(new ArrayList<>(genres)));
    if (!excludeGenres.isEmpty()) json.put("exclude_genres", new JsonArray(new ArrayList<>(excludeGenres)));
    if (excludeMovieIds.length > 0) json.put("exclude_movie_ids", new JsonArray(Arrays.stream(excludeMovieIds).boxed().toList()));
    if (yearMin != null) json.put("year_min", yearMin);
    if (yearMax != null) json.put("year_max", yearMax);
    return json;
  }

  @SuppressWarnings("unchecked")
  public static Filters fromJson(JsonObject json) {
    if (json == null) return NONE;
    JsonArray movies = json.getJsonArray("exclude_movie_ids", new JsonArray());
    return new Filters(json.getJsonArray("genres", new JsonArray()).getList(), json.getJsonArray("exclude_genres", new JsonArray()).getList(),
        movies.stream().mapToInt(v -> ((Number) v).intValue()).toArray(), json.getInteger("year_min"), json.getInteger("year_max"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Filters f && variant().equals(f.variant());
  }

  @Override
  public int hashCode() {
    return variant().hashCode();
  }
}

package io.recserve.serving;

import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The movies of one model version as answers show them, in the version's order (ids ascending): each movie's JSON
 * encoded once ({@code {"movie_id":..,"title":..,"genres":[..],"score":} waiting for its score), its genres as bits,
 * and its year from the title ("Heat (1995)"). Answers are joined from this text, and filters are bitsets over it.
 * Immutable; shared by every search of the version.
 */
public final class MovieCatalogue {
  private static final Pattern YEAR = Pattern.compile("\\((\\d{4})(?:[-–]\\d{0,4})?\\)\\s*$");
  private final int[] ids;
  private final String[] titles;
  private final List<String>[] genres;
  private final String[] fragments;
  private final long[] genreBits;
  private final int[] years;
  private final Map<String, Integer> genreIndex = new HashMap<>();

  public MovieCatalogue(MovieVectors vectors) {
    int n = vectors.size();
    this.ids = vectors.ids();
    this.titles = new String[n];
    @SuppressWarnings("unchecked")
    List<String>[] genreLists = new List[n];
    this.genres = genreLists;
    this.fragments = new String[n];
    this.genreBits = new long[n];
    this.years = new int[n];
    for (int i = 0; i < n; i++) {
      Movie m = vectors.movies().get(i);
      titles[i] = m.title();
      genres[i] = List.copyOf(m.genres());
      String json = new JsonObject().put("movie_id", m.id()).put("title", m.title()).put("genres", new JsonArray(m.genres())).encode();
      fragments[i] = json.substring(0, json.length() - 1) + ",\"score\":";
      for (String g : m.genres()) {
        String key = g.toLowerCase(java.util.Locale.ROOT);
        Integer bit = genreIndex.get(key);
        if (bit == null && genreIndex.size() < 64) genreIndex.put(key, bit = genreIndex.size());
        if (bit != null) genreBits[i] |= 1L << bit;
      }
      Matcher year = YEAR.matcher(m.title());
      years[i] = year.find() ? Integer.parseInt(year.group(1)) : 0;
    }
  }

  public int size() {
    return ids.length;
  }

  /** The position of a movie id, or a negative number when the version does not know it. */
  public int position(int movieId) {
    return Arrays.binarySearch(ids, movieId);
  }

  public int id(int position) {
    return ids[position];
  }

  public String title(int position) {
    return titles[position];
  }

  public List<String> genres(int position) {
    return genres[position];
  }

  /** {@code {"movie_id", "title", "genres"}} of the movie at {@code position}. */
  public JsonObject describe(int position) {
    return new JsonObject().put("movie_id", ids[position]).put("title", titles[position]).put("genres", new JsonArray(genres[position]));
  }

  public int year(int position) {
    return years[position];
  }

  /** {@code [{"movie_id":..,"title":..,"genres":[..],"score":..}, ...]} for these positions and scores. */
  public String encode(int[] positions, double[] scores) {
    StringBuilder out = new StringBuilder(positions.length * 96 + 2).append('[');
    for (int i = 0; i < positions.length; i++) {
      if (i > 0) out.append(',');
      out.append(fragments[positions[i]]).append(scores[i]).append('}');
    }
    return out.append(']').toString();
  }

  /** The filter a request asks for, over this catalogue's positions. */
  public record Filter(List<String> genres, List<String> excludeGenres, int[] excludeMovieIds, Integer yearMin, Integer yearMax) {
    public static final Filter NONE = new Filter(List.of(), List.of(), new int[0], null, null);

    public boolean none() {
      return genres.isEmpty() && excludeGenres.isEmpty() && excludeMovieIds.length == 0 && yearMin == null && yearMax == null;
    }

    /** The filter a bus message carries. */
    public static Filter of(io.recserve.contract.Filters f) {
      if (f == null || f.none()) return NONE;
      return new Filter(f.genres(), f.excludeGenres(), f.excludeMovieIds(), f.yearMin(), f.yearMax());
    }
  }

  /**
   * The positions a filter accepts, or null when it accepts every movie. A genre the catalogue does not know matches
   * nothing (so {@code genres: ["Nope"]} accepts no movie, and excluding it removes none).
   */
  public BitSet accepted(Filter filter) {
    if (filter == null || filter.none()) return null;
    long any = bits(filter.genres());
    boolean anyUnknown = !filter.genres().isEmpty() && any == 0;
    long excluded = bits(filter.excludeGenres());
    BitSet accepted = new BitSet(ids.length);
    if (anyUnknown) return accepted;
    for (int i = 0; i < ids.length; i++) {
      if (!filter.genres().isEmpty() && (genreBits[i] & any) == 0) continue;
      if ((genreBits[i] & excluded) != 0) continue;
      if (filter.yearMin() != null && (years[i] == 0 || years[i] < filter.yearMin())) continue;
      if (filter.yearMax() != null && (years[i] == 0 || years[i] > filter.yearMax())) continue;
      accepted.set(i);
    }
    for (int id : filter.excludeMovieIds()) {
      int p = position(id);
      if (p >= 0) accepted.clear(p);
    }
    return accepted;
  }

  private long bits(List<String> genres) {
    long bits = 0;
    for (String g : genres) {
      Integer bit = genreIndex.get(g.toLowerCase(java.util.Locale.ROOT));
      if (bit != null) bits |= 1L << bit;
    }
    return bits;
  }
}

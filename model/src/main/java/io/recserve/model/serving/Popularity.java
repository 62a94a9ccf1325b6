package io.recserve.model.serving;

import io.recserve.model.store.UserVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Movies ranked by how many of a model version's users rated them, for a fallback when a user cannot be folded in.
 * For movie m with {@code n_m} ratings among the version's users (their {@link UserVectors#rated()} lists):
 *
 * <pre>
 *   score(m) = n_m / max_m' n_m'      (in (0, 1]; the most rated movie scores 1)
 * </pre>
 *
 * Ranked by count, most first, ties by ascending movie id; movies nobody rated are not ranked. Built once per version
 * (one counting pass and one sort of the rated movies); a query walks the ranking from the top, skipping excluded
 * movies, so it costs about {@code n + |excluded|} steps. Immutable and safe to share between threads.
 */
public final class Popularity {
  /** Movie ids, most rated first, ties by id. */
  private final int[] ranked;
  /** Ratings of {@code ranked[k]}. */
  private final int[] counts;

  /** A ranked movie and its score {@code count / max count}. */
  public record Scored(int movieId, double score) {}

  private Popularity(int[] ranked, int[] counts) {
    this.ranked = ranked;
    this.counts = counts;
  }

  /** Counts the movies in every user's rated list of a model version. */
  public static Popularity of(UserVectors users) {
    int[][] rated = users.rated();
    long total = 0;
    int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
    for (int[] list : rated) {
      total += list.length;
      for (int id : list) {
        min = Math.min(min, id);
        max = Math.max(max, id);
      }
    }
    if (total == 0) return new Popularity(new int[0], new int[0]);
    int[] ids;
    int[] counts;
    long range = (long) max - min + 1;
    if (range <= Math.max(1 << 20, total)) {
      // ids within a range no larger than the ratings themselves: count into an array indexed by id
      int[] byId = new int[(int) range];
      for (int[] list : rated) for (int id : list) byId[id - min]++;
      int distinct = 0;
      for (int c : byId) if (c > 0) distinct++;
      ids = new int[distinct];
      counts = new int[distinct];
      int k = 0;
      for (int i = 0; i < byId.length; i++) {
        if (byId[i] > 0) {
          ids[k] = min + i;
          counts[k++] = byId[i];
        }
      }
    } else {
      if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many ratings to count: " + total);
      int[] all = new int[(int) total];
      int at = 0;
      for (int[] list : rated) {
        System.arraycopy(list, 0, all, at, list.length);
        at += list.length;
      }
      Arrays.sort(all);
      int distinct = 0;
      for (int i = 0; i < all.length; i++) if (i == 0 || all[i] != all[i - 1]) distinct++;
      ids = new int[distinct];
      counts = new int[distinct];
      int k = -1;
      for (int i = 0; i < all.length; i++) {
        if (i == 0 || all[i] != all[i - 1]) ids[++k] = all[i];
        counts[k]++;
      }
    }
    // rank by count descending, then id ascending: sort (count, position) keys; positions follow ascending ids
    long[] keys = new long[ids.length];
    for (int k = 0; k < ids.length; k++) keys[k] = ((long) (Integer.MAX_VALUE - counts[k]) << 32) | k;
    Arrays.sort(keys);
    int[] rankedIds = new int[ids.length];
    int[] rankedCounts = new int[ids.length];
    for (int k = 0; k < keys.length; k++) {
      int position = (int) keys[k];
      rankedIds[k] = ids[position];
      rankedCounts[k] = counts[position];
    }
    return new Popularity(rankedIds, rankedCounts);
  }

  /** The {@code n} most rated movies. */
  public List<Scored> top(int n) {
    return top(n, null);
  }

  /**
   * The {@code n} most rated movies that are not in {@code excluded} (any order; null for none), best first. Fewer
   * when the version ranks fewer movies.
   */
  public List<Scored> top(int n, int[] excluded) {
    if (n < 0) throw new IllegalArgumentException("n must not be negative");
    int[] skip = excluded == null ? new int[0] : sortedCopy(excluded);
    List<Scored> out = new ArrayList<>(Math.min(n, ranked.length));
    double max = counts.length == 0 ? 1 : counts[0];
    for (int k = 0; k < ranked.length && out.size() < n; k++) {
      if (skip.length > 0 && Arrays.binarySearch(skip, ranked[k]) >= 0) continue;
      out.add(new Scored(ranked[k], counts[k] / max));
    }
    return out;
  }

  /** Number of ranked movies (those rated at least once). */
  public int size() {
    return ranked.length;
  }

  private static int[] sortedCopy(int[] values) {
    for (int i = 1; i < values.length; i++) {
      if (values[i] < values[i - 1]) {
        int[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
      }
    }
    return values;
  }
}

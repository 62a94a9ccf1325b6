package io.recserve.model.eval;

import io.recserve.model.movielens.Ratings;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Per user, the most recent ratings (by timestamp; ties by file order) are held out for testing: a fraction of the
 * user's ratings, at least one. Users with fewer than {@code minRatings} ratings stay wholly in training.
 */
public record TemporalSplit(Ratings train, Ratings test) {
  public static final double DEFAULT_HOLDOUT = 0.2;
  public static final int DEFAULT_MIN_RATINGS = 5;

  public static TemporalSplit of(Ratings ratings, double holdout, int minRatings) {
    if (!(holdout > 0 && holdout < 1)) throw new IllegalArgumentException("holdout must lie between 0 and 1");
    Integer[] order = new Integer[ratings.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.<Integer>comparingInt(ratings::user).thenComparingLong(ratings::time).thenComparingInt(i -> i));
    Ratings train = new Ratings(ratings.size());
    Ratings test = new Ratings(Math.max(16, (int) (ratings.size() * holdout) + 16));
    int start = 0;
    while (start < order.length) {
      int end = start;
      while (end < order.length && ratings.user(order[end]) == ratings.user(order[start])) end++;
      int count = end - start;
      int held = count < minRatings ? 0 : Math.max(1, (int) Math.round(count * holdout));
      for (int k = start; k < end; k++) {
        int i = order[k];
        (k >= end - held ? test : train).add(ratings.user(i), ratings.movie(i), ratings.rating(i), ratings.time(i));
      }
      start = end;
    }
    return new TemporalSplit(train, test);
  }
}

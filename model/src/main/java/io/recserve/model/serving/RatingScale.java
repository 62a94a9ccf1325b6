package io.recserve.model.serving;

import io.recserve.model.movielens.Ratings;
import java.util.Arrays;
import java.util.Locale;

/**
 * The ratings an import allows: from {@code minimum} to {@code maximum} on the grid {@code minimum + k * step}
 * (k = 0, 1, ...). Inferred from the imported ratings: the extremes, and the step as the greatest common divisor of
 * {@code v - minimum} over the distinct values v, found on a decimal grid of up to 6 places. MovieLens ml-latest-small
 * gives 0.5..5.0 step 0.5; ml-100k and ml-1m give 1..5 step 1. A step of 0 means no grid (a single distinct value, or
 * values that fit no decimal grid, or more than {@value #MAX_DISTINCT} distinct values): any value in range is valid.
 *
 * <p>{@link #valid} accepts a rating within the range and within {@value #TOLERANCE} steps of a grid point, so float
 * noise such as 3.4999999 passes for 3.5.
 */
public record RatingScale(double minimum, double maximum, double step) {
  /** Beyond this many distinct values the ratings are taken as continuous (step 0). */
  public static final int MAX_DISTINCT = 1000;
  /** Distance from the range or a grid point still accepted, as a fraction of the step (absolute when step is 0). */
  public static final double TOLERANCE = 1e-4;
  private static final int MAX_DECIMALS = 6;

  public RatingScale {
    if (!Double.isFinite(minimum) || !Double.isFinite(maximum) || minimum > maximum) {
      throw new IllegalArgumentException("rating range " + minimum + ".." + maximum + " is not a finite range");
    }
    if (!Double.isFinite(step) || step < 0) throw new IllegalArgumentException("step must be finite and not negative");
  }

  /**
   * Infers the scale of an import's ratings.
   *
   * @throws IllegalArgumentException when there is no rating or a rating is not finite
   */
  public static RatingScale of(Ratings ratings) {
    if (ratings.size() == 0) throw new IllegalArgumentException("no ratings to infer a scale from");
    float[] distinct = new float[16];
    int count = 0;
    boolean continuous = false;
    double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < ratings.size(); i++) {
      float v = ratings.rating(i);
      if (!Float.isFinite(v)) throw new IllegalArgumentException("rating " + i + " is " + v);
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (continuous) continue;
      int at = Arrays.binarySearch(distinct, 0, count, v);
      if (at >= 0) continue;
      if (count == MAX_DISTINCT) {
        continuous = true;
        continue;
      }
      at = -at - 1;
      if (count == distinct.length) distinct = Arrays.copyOf(distinct, count * 2);
      System.arraycopy(distinct, at, distinct, at + 1, count - at);
      distinct[at] = v;
      count++;
    }
    return new RatingScale(min, max, continuous ? 0 : step(distinct, count, min));
  }

  /** The gcd of v - min on the coarsest decimal grid (10^-d, d = 0..6) that holds every value; 0 when none does. */
  private static double step(float[] distinct, int count, double min) {
    if (count < 2) return 0;
    for (int decimals = 0; decimals <= MAX_DECIMALS; decimals++) {
      double scale = Math.pow(10, decimals);
      long gcd = 0;
      boolean fits = true;
      for (int k = 0; k < count && fits; k++) {
        double scaled = (distinct[k] - min) * scale;
        long rounded = Math.round(scaled);
        // float ratings carry about 7 significant digits: allow a few units in the last place, and give up on grids
        // so fine that float rounding could reach a twentieth of a step
        double error = 2 * scale * (Math.ulp(distinct[k]) + Math.ulp((float) min));
        fits = error <= 0.05 && Math.abs(scaled - rounded) <= error;
        gcd = gcd(gcd, rounded);
      }
      if (fits && gcd > 0) return gcd / scale;
    }
    return 0;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return Math.abs(a);
  }

  /** True when the rating lies within the range and on the grid (both within {@link #TOLERANCE}). */
  public boolean valid(double rating) {
    if (!Double.isFinite(rating)) return false;
    double slack = step > 0 ? TOLERANCE * step : TOLERANCE;
    if (rating < minimum - slack || rating > maximum + slack) return false;
    if (step == 0) return true;
    double steps = (rating - minimum) / step;
    return Math.abs(steps - Math.rint(steps)) <= TOLERANCE;
  }

  /**
   * The rating a {@link #valid} one stands for: its grid point, within the range (3.4999999 is 3.5, and 0.4999999 on
   * 0.5..5 is 0.5, not a rating below the scale). What is stored and folded in.
   */
  public double snap(double rating) {
    double onGrid = step > 0 ? minimum + Math.rint((rating - minimum) / step) * step : rating;
    return Math.max(minimum, Math.min(maximum, onGrid));
  }

  /** For messages: "0.5 to 5 in steps of 0.5", or "0 to 1" without a grid. */
  public String describe() {
    String range = number(minimum) + " to " + number(maximum);
    return step > 0 ? range + " in steps of " + number(step) : range;
  }

  private static String number(double v) {
    String s = String.format(Locale.ROOT, "%.6f", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}

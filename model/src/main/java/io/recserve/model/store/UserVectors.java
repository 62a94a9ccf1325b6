package io.recserve.model.store;

import java.util.Arrays;

/**
 * Every user's vector in one model version (row-major, sorted by id), the movies each rated in training (sorted) and
 * the ratings given, in the same order: what a fold-in needs to solve a user again with a rating added. Versions
 * stored before ratings were kept (model files of format 2 and older, rows without them) have {@code ratings} null,
 * and every rating reads as 1.
 */
public record UserVectors(int factors, int[] ids, float[] vectors, int[][] rated, float[][] ratings) {
  public UserVectors(int factors, int[] ids, float[] vectors, int[][] rated) {
    this(factors, ids, vectors, rated, null);
  }

  /** The ratings user {@code index} gave to {@link #rated()}'s movies (all 1 for versions stored without them). */
  public float[] ratingsOf(int index) {
    if (ratings != null && ratings[index] != null) return ratings[index];
    float[] ones = new float[rated[index].length];
    Arrays.fill(ones, 1f);
    return ones;
  }

  /** Position of the user, or a negative number when the model does not know the user. */
  public int indexOf(int userId) {
    return Arrays.binarySearch(ids, userId);
  }

  public float[] vector(int index) {
    return Arrays.copyOfRange(vectors, index * factors, (index + 1) * factors);
  }

  public int size() {
    return ids.length;
  }
}

package io.recserve.model.store;

import java.util.Arrays;

/** Every user's vector in one model version (row-major, sorted by id) and the movies each rated in training. */
public record UserVectors(int factors, int[] ids, float[] vectors, int[][] rated) {
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

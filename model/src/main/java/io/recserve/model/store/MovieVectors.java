package io.recserve.model.store;

import io.recserve.model.movielens.Movie;
import java.util.Arrays;
import java.util.List;

/** Every movie's vector in one model version (row-major) with its metadata, in the same order. */
public record MovieVectors(int factors, int[] ids, float[] vectors, List<Movie> movies) {
  public float[] vector(int index) {
    return Arrays.copyOfRange(vectors, index * factors, (index + 1) * factors);
  }

  public int size() {
    return ids.length;
  }
}

package io.recserve.model.store;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.Interactions;
import io.recserve.model.movielens.Movie;
import io.recserve.model.serving.RatingScale;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model version holds: the parameters it was trained with, user vectors and movie vectors, the last live
 * feedback (sequence number) merged into its training data, and the rating scale of that data (null when unknown).
 */
public record TrainedModel(AlsParams params, UserVectors users, MovieVectors movies, long trainedThrough, RatingScale scale) {
  public TrainedModel(AlsParams params, UserVectors users, MovieVectors movies) {
    this(params, users, movies, 0, null);
  }

  public TrainedModel with(long trainedThrough, RatingScale scale) {
    return new TrainedModel(params, users, movies, trainedThrough, scale);
  }

  /** Packs learnt factors with the movies' metadata; movies without a rating in training are left out. */
  public static TrainedModel of(AlsParams params, AlsModel model, List<Movie> catalogue) {
    Interactions data = model.data();
    int[] userIds = new int[data.users()];
    int[][] rated = new int[data.users()][];
    float[][] ratings = new float[data.users()][];
    for (int u = 0; u < userIds.length; u++) {
      userIds[u] = data.userId(u);
      int[] items = data.itemsOf(u);
      float[] values = data.valuesOf(u);
      long[] byId = new long[items.length]; // movie id in the high half, position in the low: sorts by id, keeps the pairing
      for (int i = 0; i < items.length; i++) byId[i] = ((long) data.itemId(items[i]) << 32) | i;
      java.util.Arrays.sort(byId);
      rated[u] = new int[items.length];
      ratings[u] = new float[items.length];
      for (int i = 0; i < items.length; i++) {
        rated[u][i] = (int) (byId[i] >> 32);
        ratings[u][i] = values[(int) byId[i]];
      }
    }
    Map<Integer, Movie> byId = new HashMap<>();
    for (Movie m : catalogue) byId.put(m.id(), m);
    int[] movieIds = new int[data.items()];
    List<Movie> movies = new ArrayList<>(movieIds.length);
    for (int i = 0; i < movieIds.length; i++) {
      movieIds[i] = data.itemId(i);
      movies.add(byId.getOrDefault(movieIds[i], new Movie(movieIds[i], "Movie " + movieIds[i], List.of())));
    }
    requireFinite("user", userIds, model.userFactors(), model.factors());
    requireFinite("movie", movieIds, model.itemFactors(), model.factors());
    return new TrainedModel(params,
        new UserVectors(model.factors(), userIds, model.userFactors(), rated, ratings),
        new MovieVectors(model.factors(), movieIds, model.itemFactors(), movies));
  }

  /**
   * A training that diverged (a NaN or an infinity in a vector, from parameters far out of range) fails here, before
   * anything is stored: the version serving stays, instead of one whose scores are not numbers.
   */
  static void requireFinite(String what, int[] ids, float[] vectors, int factors) {
    for (int i = 0; i < vectors.length; i++) {
      if (!Float.isFinite(vectors[i])) {
        throw new IllegalStateException("training diverged: " + what + " " + ids[i / factors] + "'s vector holds " + vectors[i]
            + "; nothing was stored (try a larger regularization or a smaller alpha)");
      }
    }
  }
}

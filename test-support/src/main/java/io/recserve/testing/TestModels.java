package io.recserve.testing;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.TrainedModel;
import io.recserve.model.store.UserVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small model versions with known vectors, written straight into a repository by tests. */
public final class TestModels {
  private TestModels() {}

  /**
   * {@code users} users and {@code movies} movies (ids 1.., titles "Movie N") with random {@code factors}-dimensional
   * vectors; user u rated movies 1..u%5. {@code seed} changes every vector, so two versions score differently.
   */
  public static TrainedModel random(int users, int movies, int factors, long seed) {
    Random random = new Random(seed);
    int[] userIds = new int[users];
    float[] userVectors = new float[users * factors];
    int[][] rated = new int[users][];
    for (int u = 0; u < users; u++) {
      userIds[u] = u + 1;
      for (int d = 0; d < factors; d++) userVectors[u * factors + d] = (float) random.nextGaussian();
      rated[u] = new int[(u + 1) % 5];
      for (int k = 0; k < rated[u].length; k++) rated[u][k] = k + 1;
    }
    int[] movieIds = new int[movies];
    float[] movieVectors = new float[movies * factors];
    List<Movie> meta = new ArrayList<>();
    for (int i = 0; i < movies; i++) {
      movieIds[i] = i + 1;
      for (int d = 0; d < factors; d++) movieVectors[i * factors + d] = (float) random.nextGaussian();
      meta.add(new Movie(i + 1, "Movie " + (i + 1), i % 3 == 0 ? List.of() : List.of("Drama", "Genre" + (i % 3))));
    }
    return new TrainedModel(new AlsParams(factors, 0.1, 1, 1, seed, 1),
        new UserVectors(factors, userIds, userVectors, rated), new MovieVectors(factors, movieIds, movieVectors, meta));
  }

  /** The dot product of user u's vector with movie m's (both 1-based ids), for checking rankings. */
  public static double score(TrainedModel model, int userId, int movieId) {
    int f = model.users().factors();
    int u = model.users().indexOf(userId), m = movieId - 1;
    double s = 0;
    for (int d = 0; d < f; d++) s += model.users().vectors()[u * f + d] * model.movies().vectors()[m * f + d];
    return s;
  }
}

package io.recserve.model.serving;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.ImplicitAls;
import io.recserve.model.als.Interactions;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.MovieLensReader;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.store.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Data for the serving tests. The model module cannot use test-support's {@code MovieLensFixtures} (test-support
 * depends on this module), so the two helpers needed here repeat its logic: finding ml-latest-small and the planted
 * taste groups.
 */
final class ServingFixtures {
  /** The project's training settings (ModelPipeline's defaults): 64 factors, lambda 30, alpha 1, 15 iterations, seed 42. */
  static final AlsParams PROJECT = new AlsParams(64, 30.0, 1.0, 15, 42L, Runtime.getRuntime().availableProcessors());

  private static final Map<AlsParams, Trained> LATEST_SMALL = new HashMap<>();
  private static MovieLensData latestSmallData;

  private ServingFixtures() {}

  /** A model trained on some ratings, with the interactions it was trained on. */
  record Trained(AlsParams params, Interactions data, AlsModel model, TrainedModel version) {}

  /** As MovieLensFixtures.latestSmall(): shared/data/movielens/ml-latest-small above the working directory. */
  static Path latestSmall() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/data/movielens/ml-latest-small");
      if (Files.isRegularFile(candidate.resolve("ratings.csv"))) return candidate;
      dir = dir.getParent();
    }
    String env = System.getenv("RECSERVE_TEST_MOVIELENS");
    if (env != null && Files.isDirectory(Path.of(env))) return Path.of(env);
    throw new IllegalStateException("ml-latest-small not found in shared/data/movielens above " + Path.of("").toAbsolutePath()
        + "; set RECSERVE_TEST_MOVIELENS");
  }

  static synchronized MovieLensData latestSmallData() {
    if (latestSmallData == null) latestSmallData = MovieLensReader.read(latestSmall());
    return latestSmallData;
  }

  /** ml-latest-small trained with the project's settings but {@code iterations} iterations; cached per JVM. */
  static Trained latestSmallModel(int iterations) {
    return latestSmall(project(iterations));
  }

  /**
   * ml-latest-small as {@link #latestSmallModel}, but with every row solved exactly (Cholesky), for tests that compare
   * the fold-in with training's own half-step to float precision.
   */
  static Trained latestSmallExactModel(int iterations) {
    return latestSmall(exact(project(iterations)));
  }

  /** The parameters with the exact row solver (the default is conjugate gradient, a few steps per row). */
  static AlsParams exact(AlsParams params) {
    return params.withSolver(AlsParams.Solver.CHOLESKY, params.cgSteps());
  }

  private static AlsParams project(int iterations) {
    return new AlsParams(PROJECT.factors(), PROJECT.regularization(), PROJECT.alpha(), iterations, PROJECT.seed(), PROJECT.threads());
  }

  private static synchronized Trained latestSmall(AlsParams params) {
    Trained trained = LATEST_SMALL.get(params);
    if (trained == null) {
      trained = train(latestSmallData(), params);
      LATEST_SMALL.put(params, trained);
    }
    return trained;
  }

  static Trained train(MovieLensData data, AlsParams params) {
    Interactions interactions = Interactions.of(data.ratings());
    AlsModel model = ImplicitAls.train(interactions, params, (i, loss, s) -> {});
    return new Trained(params, interactions, model, TrainedModel.of(params, model, data.movies()));
  }

  /**
   * The ratings of MovieLensFixtures.plantedCsv (same generator, same seed, same values): user u (1..users) is in
   * taste group {@code u % groups}, and 90% of its ratings go to movies m (1..movies) with {@code m % groups == group}.
   */
  static Ratings planted(int users, int movies, int groups, int ratingsPerUser, long seed) {
    Random random = new Random(seed);
    Ratings ratings = new Ratings();
    for (int u = 1; u <= users; u++) {
      int group = u % groups;
      Set<Integer> rated = new HashSet<>();
      while (rated.size() < ratingsPerUser) {
        int movie;
        if (random.nextDouble() < 0.9) {
          do movie = 1 + random.nextInt(movies); while (movie % groups != group);
        } else {
          movie = 1 + random.nextInt(movies);
        }
        if (rated.add(movie)) ratings.add(u, movie, (float) (1 + random.nextInt(9) / 2.0), 1_000_000_000L + rated.size() * 60L);
      }
    }
    return ratings;
  }

  /** Cosine of two vectors. */
  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}

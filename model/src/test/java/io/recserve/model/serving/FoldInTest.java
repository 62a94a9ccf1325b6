package io.recserve.model.serving;

import static io.recserve.model.serving.ServingFixtures.cosine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.UserVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FoldInTest {
  /** Each user's ratings in ml-latest-small: movie id to rating, in id order. */
  private static Map<Integer, TreeMap<Integer, Float>> byUser(Ratings ratings) {
    Map<Integer, TreeMap<Integer, Float>> out = new TreeMap<>();
    for (int i = 0; i < ratings.size(); i++) out.computeIfAbsent(ratings.user(i), u -> new TreeMap<>()).put(ratings.movie(i), ratings.rating(i));
    return out;
  }

  private static int[] ids(TreeMap<Integer, Float> ratings) {
    return ratings.keySet().stream().mapToInt(Integer::intValue).toArray();
  }

  private static float[] values(TreeMap<Integer, Float> ratings) {
    float[] out = new float[ratings.size()];
    int k = 0;
    for (float v : ratings.values()) out[k++] = v;
    return out;
  }

  /** The 10 best movie ids by dot product with {@code x}, leaving out {@code rated} (sorted ids). */
  private static Set<Integer> top10(MovieVectors movies, float[] x, int[] rated) {
    int f = movies.factors();
    double[] scores = new double[movies.size()];
    for (int m = 0; m < movies.size(); m++) {
      double s = 0;
      for (int d = 0; d < f; d++) s += (double) x[d] * movies.vectors()[m * f + d];
      scores[m] = Arrays.binarySearch(rated, movies.ids()[m]) >= 0 ? Double.NEGATIVE_INFINITY : s;
    }
    Integer[] order = new Integer[movies.size()];
    for (int m = 0; m < order.length; m++) order[m] = m;
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
    Set<Integer> out = new HashSet<>();
    for (int k = 0; k < 10; k++) out.add(movies.ids()[order[k]]);
    return out;
  }

  /**
   * Training alternates a user half-step (against the previous Y) and an item half-step in each iteration, so the
   * trained X of iteration n was solved against Y of iteration n - 1. Folding a user in against that Y (a model
   * trained with the same seed for n - 1 iterations) must give back the trained vector up to float rounding: the same
   * equations, confidence and regularization. Training solves users with at most factors / 3 ratings through the
   * Woodbury identity and the others by an f x f Cholesky; both agree here. An approximate row solver (a few
   * conjugate-gradient steps) would not: this needs the exact one.
   */
  @Test
  void reproducesTrainingsUserHalfStepOnMovieLens() {
    ServingFixtures.Trained before = ServingFixtures.latestSmallExactModel(1);
    ServingFixtures.Trained after = ServingFixtures.latestSmallExactModel(2);
    FoldIn foldIn = FoldIn.of(before.version().movies(), before.params());
    UserVectors trained = after.version().users();
    Map<Integer, TreeMap<Integer, Float>> users = byUser(ServingFixtures.latestSmallData().ratings());
    double worst = 1;
    for (var user : users.entrySet()) {
      FoldIn.Result result = foldIn.foldIn(ids(user.getValue()), values(user.getValue()));
      assertThat(result.unknown()).isEmpty();
      assertThat(result.excluded()).containsExactly(trained.rated()[trained.indexOf(user.getKey())]);
      worst = Math.min(worst, cosine(result.vector(), trained.vector(trained.indexOf(user.getKey()))));
    }
    assertThat(worst).as("worst cosine over %d users", users.size()).isGreaterThan(0.999999);
  }

  /**
   * The acceptance: against the final model (project settings, 15 iterations), a known user's own ratings fold
   * in to nearly the trained vector. The fold-in is one more user half-step against the final Y, while the trained X
   * was solved against the Y of iteration 14; the bar relies on Y having converged (Y14 close to Y15). Measured here:
   * worst cosine 0.9997 over these 20 users (0.9996 over all 610), 9 or 10 of the top 10 shared. With the als-scale
   * branch's default conjugate-gradient solver (3 steps per row) the trained vectors are approximate and the bar
   * still held for all 610 users (worst cosine 0.9995, measured before that branch was merged).
   */
  @Test
  void knownUsersFoldInToTheirTrainedVectors() {
    ServingFixtures.Trained trained = ServingFixtures.latestSmallModel(ServingFixtures.PROJECT.iterations());
    FoldIn foldIn = FoldIn.of(trained.version().movies(), trained.params());
    UserVectors users = trained.version().users();
    Map<Integer, TreeMap<Integer, Float>> ratings = byUser(ServingFixtures.latestSmallData().ratings());
    // 20 users spread over the range of rating counts (ml-latest-small: 20 to about 2,700 ratings per user)
    List<Integer> bySize = new ArrayList<>(ratings.keySet());
    bySize.sort((a, b) -> ratings.get(a).size() != ratings.get(b).size() ? Integer.compare(ratings.get(a).size(), ratings.get(b).size()) : Integer.compare(a, b));
    for (int q = 0; q < 20; q++) {
      int userId = bySize.get(q * (bySize.size() - 1) / 19);
      TreeMap<Integer, Float> mine = ratings.get(userId);
      FoldIn.Result result = foldIn.foldIn(ids(mine), values(mine));
      float[] expected = users.vector(users.indexOf(userId));
      double cos = cosine(result.vector(), expected);
      Set<Integer> got = top10(trained.version().movies(), result.vector(), result.excluded());
      Set<Integer> want = top10(trained.version().movies(), expected, result.excluded());
      got.retainAll(want);
      assertThat(cos).as("cosine for user %d with %d ratings", userId, mine.size()).isGreaterThanOrEqualTo(0.99);
      assertThat(got).as("top-10 overlap for user %d", userId).hasSizeGreaterThanOrEqualTo(9);
    }
  }

  /** Random movie vectors: ids 10, 20, 30, ... (so 15 is unknown), Gaussian entries. */
  static MovieVectors randomMovies(int movies, int factors, long seed) {
    Random random = new Random(seed);
    int[] ids = new int[movies];
    float[] vectors = new float[movies * factors];
    List<Movie> meta = new ArrayList<>();
    for (int m = 0; m < movies; m++) {
      ids[m] = 10 * (m + 1);
      meta.add(new Movie(ids[m], "Movie " + ids[m], List.of()));
    }
    for (int k = 0; k < vectors.length; k++) vectors[k] = (float) (random.nextGaussian() * 0.3);
    return new MovieVectors(factors, ids, vectors, meta);
  }

  /** The residual of the full normal equations (Y'C Y + lambda I) x = Y'C p, built over every movie in double. */
  @Test
  void solvesTheFullNormalEquations() {
    int f = 8;
    MovieVectors movies = randomMovies(60, f, 1);
    double alpha = 2.5, lambda = 0.7;
    FoldIn foldIn = FoldIn.of(movies, alpha, lambda);
    int[] rated = {30, 70, 110, 250, 400, 590};
    float[] ratings = {4.5f, 1f, 0f, 3f, 5f, 0.5f};
    float[] x = foldIn.foldIn(rated, ratings).vector();
    double[][] a = new double[f][f];
    double[] b = new double[f];
    for (int m = 0; m < movies.size(); m++) {
      int k = Arrays.binarySearch(rated, movies.ids()[m]);
      double c = k >= 0 ? 1 + alpha * ratings[k] : 1, p = k >= 0 ? 1 : 0;
      float[] y = movies.vector(m);
      for (int i = 0; i < f; i++) {
        b[i] += c * p * y[i];
        for (int j = 0; j < f; j++) a[i][j] += c * y[i] * y[j];
      }
    }
    for (int i = 0; i < f; i++) {
      double lhs = lambda * x[i];
      for (int j = 0; j < f; j++) lhs += a[i][j] * x[j];
      assertThat(lhs).as("row %d", i).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(b[i]))));
    }
  }

  @Test
  void ignoresAndReportsUnknownMoviesWhateverTheOrder() {
    FoldIn foldIn = FoldIn.of(randomMovies(40, 6, 2), 1.0, 0.5);
    FoldIn.Result known = foldIn.foldIn(new int[] {30, 100, 250}, new float[] {4, 2.5f, 1});
    FoldIn.Result mixed = foldIn.foldIn(new int[] {999, 250, 15, 30, 100, -4}, new float[] {5, 1, 3, 4, 2.5f, 1});
    assertThat(mixed.vector()).containsExactly(known.vector());
    assertThat(mixed.excluded()).containsExactly(30, 100, 250);
    assertThat(mixed.unknown()).containsExactly(-4, 15, 999);
    assertThat(known.unknown()).isEmpty();
    assertThat(mixed.empty()).isFalse();
  }

  @Test
  void noKnownMovieGivesAZeroVector() {
    FoldIn foldIn = FoldIn.of(randomMovies(20, 4, 3), 1.0, 0.5);
    FoldIn.Result none = foldIn.foldIn(new int[] {1, 2}, new float[] {5, 5});
    assertThat(none.empty()).isTrue();
    assertThat(none.vector()).containsExactly(0f, 0f, 0f, 0f);
    assertThat(none.unknown()).containsExactly(1, 2);
    assertThat(foldIn.foldIn(new int[0], new float[0]).empty()).isTrue();
  }

  @Test
  void rejectsInputTrainingCouldNotTake() {
    FoldIn foldIn = FoldIn.of(randomMovies(20, 4, 4), 1.0, 0.5);
    assertThatThrownBy(() -> foldIn.foldIn(new int[] {10, 20}, new float[] {1})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> foldIn.foldIn(new int[] {10, 20, 10}, new float[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("movie 10 rated more than once");
    assertThatThrownBy(() -> foldIn.foldIn(new int[] {10}, new float[] {-1})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> foldIn.foldIn(new int[] {10}, new float[] {Float.NaN})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> foldIn.foldIn(new int[] {10}, new float[] {Float.POSITIVE_INFINITY})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FoldIn.of(randomMovies(20, 4, 4), ServingFixtures.PROJECT)).hasMessageContaining("factors");
    // three movies cannot span four factors without regularization
    assertThatThrownBy(() -> FoldIn.of(randomMovies(3, 4, 4), 1.0, 0.0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void concurrentFoldInsGiveTheSequentialResults() throws Exception {
    MovieVectors movies = randomMovies(500, 32, 5);
    FoldIn foldIn = FoldIn.of(movies, 1.0, 3.0);
    Random random = new Random(6);
    int users = 200;
    int[][] ids = new int[users][];
    float[][] ratings = new float[users][];
    float[][] expected = new float[users][];
    for (int u = 0; u < users; u++) {
      int n = 1 + random.nextInt(60);
      Set<Integer> chosen = new HashSet<>();
      while (chosen.size() < n) chosen.add(10 * (1 + random.nextInt(500)));
      ids[u] = chosen.stream().mapToInt(Integer::intValue).toArray();
      ratings[u] = new float[n];
      for (int k = 0; k < n; k++) ratings[u][k] = 0.5f * (1 + random.nextInt(10));
      expected[u] = foldIn.foldIn(ids[u], ratings[u]).vector();
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        for (int u = 0; u < users; u++) {
          int user = u;
          results.add(pool.submit(() -> foldIn.foldIn(ids[user], ratings[user]).vector()));
        }
      }
      for (int k = 0; k < results.size(); k++) assertThat(results.get(k).get()).containsExactly(expected[k % users]);
    } finally {
      pool.shutdownNow();
    }
  }
}

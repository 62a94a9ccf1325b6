package io.recserve.model.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.store.MovieVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ExplanationsTest {
  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  /** Contributions over the rated movies add up to y_i'x, for every movie of the catalogue (f = 64, real data). */
  @Test
  void contributionsSumToThePredictedPreference() {
    ServingFixtures.Trained trained = ServingFixtures.latestSmallModel(1);
    MovieVectors movies = trained.version().movies();
    FoldIn foldIn = FoldIn.of(movies, trained.params());
    Ratings all = ServingFixtures.latestSmallData().ratings();
    for (int userId : new int[] {53, 414}) { // 20 and 2,698 ratings
      TreeMap<Integer, Float> mine = new TreeMap<>();
      for (int i = 0; i < all.size(); i++) if (all.user(i) == userId) mine.put(all.movie(i), all.rating(i));
      int[] ids = mine.keySet().stream().mapToInt(Integer::intValue).toArray();
      float[] ratings = new float[ids.length];
      for (int k = 0; k < ids.length; k++) ratings[k] = mine.get(ids[k]);
      Explanations explanations = Explanations.of(foldIn, ids, ratings);
      float[] x = explanations.foldIn().vector();
      assertThat(x).containsExactly(foldIn.foldIn(ids, ratings).vector());
      for (int m = 0; m < movies.size(); m += 7) {
        double expected = dot(x, movies.vector(m));
        double sum = Arrays.stream(explanations.contributions(movies.ids()[m])).sum();
        assertThat(sum).as("user %d movie %d", userId, movies.ids()[m]).isCloseTo(expected, offset(1e-5 + 1e-4 * Math.abs(expected)));
        assertThat(explanations.score(movies.ids()[m])).isCloseTo(expected, offset(1e-9));
      }
    }
  }

  /**
   * Planted taste groups (as MovieLensFixtures.plantedCsv: 4 groups, 90% of each user's ratings in its group). New users
   * each rate ten movies of group 0 and ten of group 1; their recommendations come from both groups, and each is
   * explained by rated movies of its own group. The model has as many factors as planted groups: with spare factors
   * (8 or 16 here) they fit the noise co-occurrences of this small set (8,000 ratings), and on some users one to three
   * of the 20 reasons then cross groups although the group's total contribution still dominates.
   */
  @Test
  void reasonsComeFromTheRecommendedMoviesTasteGroup() {
    int groups = 4;
    Ratings ratings = ServingFixtures.planted(400, 200, groups, 20, 3);
    List<Movie> catalogue = new ArrayList<>();
    for (int m = 1; m <= 200; m++) catalogue.add(new Movie(m, "Movie " + m, List.of()));
    ServingFixtures.Trained trained = ServingFixtures.train(new MovieLensData(catalogue, ratings), new AlsParams(groups, 1.0, 1.0, 10, 7, 2));
    MovieVectors movies = trained.version().movies();
    FoldIn foldIn = FoldIn.of(movies, trained.params());
    for (long seed = 1; seed <= 5; seed++) {
      Random random = new Random(seed);
      int[] rated = new int[20];
      float[] values = new float[20];
      for (int k = 0; k < 20; k++) {
        int group = k < 10 ? 0 : 1;
        int movie;
        do movie = group + groups * (1 + random.nextInt(200 / groups - 1)); while (contains(rated, k, movie));
        rated[k] = movie;
        values[k] = 0.5f * (2 + random.nextInt(9));
      }
      Explanations explanations = Explanations.of(foldIn, rated, values);
      float[] x = explanations.foldIn().vector();
      int[] excluded = explanations.foldIn().excluded();
      Integer[] order = new Integer[movies.size()];
      for (int m = 0; m < order.length; m++) order[m] = m;
      Arrays.sort(order, (a, b) -> Double.compare(dot(x, movies.vector(b)), dot(x, movies.vector(a))));
      int[] recommended = Arrays.stream(order).mapToInt(m -> movies.ids()[m]).filter(id -> Arrays.binarySearch(excluded, id) < 0).limit(10).toArray();
      assertThat(Arrays.stream(recommended).map(id -> id % groups).distinct().sorted().toArray()).as("groups recommended to user %d", seed).containsExactly(0, 1);
      for (Explanations.Explanation e : explanations.explain(recommended)) {
        assertThat(e.because()).as("reasons for movie %d", e.movieId()).hasSize(2);
        for (Explanations.Reason reason : e.because()) {
          assertThat(reason.movieId() % groups).as("user %d: reason %d for movie %d", seed, reason.movieId(), e.movieId()).isEqualTo(e.movieId() % groups);
          assertThat(reason.contribution()).isPositive();
        }
        assertThat(e.because().get(0).contribution()).isGreaterThanOrEqualTo(e.because().get(1).contribution());
        assertThat(e.score()).isCloseTo(dot(x, movies.vector(foldIn.indexOf(e.movieId()))), offset(1e-9));
      }
    }
  }

  private static boolean contains(int[] values, int n, int value) {
    for (int k = 0; k < n; k++) if (values[k] == value) return true;
    return false;
  }

  @Test
  void reasonsAreTheLargestPositiveContributionsAndUnknownMoviesAreRefused() {
    MovieVectors movies = FoldInTest.randomMovies(50, 6, 9);
    FoldIn foldIn = FoldIn.of(movies, 1.0, 0.5);
    int[] rated = {20, 40, 60, 80, 100, 120, 999};
    Explanations explanations = Explanations.of(foldIn, rated, new float[] {5, 4, 3, 2, 1, 0.5f, 4});
    assertThat(explanations.foldIn().unknown()).containsExactly(999);
    for (int target : new int[] {10, 250, 500}) {
      double[] contributions = explanations.contributions(target);
      assertThat(contributions).hasSize(6);
      List<Explanations.Reason> expected = new ArrayList<>();
      Integer[] order = {0, 1, 2, 3, 4, 5};
      Arrays.sort(order, (a, b) -> Double.compare(contributions[b], contributions[a]));
      for (int k = 0; k < 3; k++) if (contributions[order[k]] > 0) expected.add(new Explanations.Reason(rated[order[k]], contributions[order[k]]));
      assertThat(explanations.explain(target, 3).because()).containsExactlyElementsOf(expected);
    }
    assertThat(explanations.explain(10, 0).because()).isEmpty();
    assertThatThrownBy(() -> explanations.explain(new int[] {10, 15})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("15");
    Explanations none = Explanations.of(foldIn, new int[] {1}, new float[] {3});
    assertThat(none.explain(10, 2).because()).isEmpty();
    assertThat(none.explain(10, 2).score()).isZero();
  }
}

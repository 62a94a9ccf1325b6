package io.recserve.model.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.store.UserVectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PopularityTest {
  private static UserVectors users(int[]... rated) {
    int[] ids = new int[rated.length];
    for (int u = 0; u < ids.length; u++) ids[u] = u + 1;
    return new UserVectors(1, ids, new float[rated.length], rated);
  }

  @Test
  void ranksByCountThenIdWithScoresAgainstTheMostRated() {
    Popularity popularity = Popularity.of(users(new int[] {5, 7, 9}, new int[] {3, 7, 9}, new int[] {7, 9, 11}, new int[] {7, 100}));
    assertThat(popularity.size()).isEqualTo(6);
    assertThat(popularity.top(10)).containsExactly(
        new Popularity.Scored(7, 1.0), new Popularity.Scored(9, 0.75), new Popularity.Scored(3, 0.25),
        new Popularity.Scored(5, 0.25), new Popularity.Scored(11, 0.25), new Popularity.Scored(100, 0.25));
    assertThat(popularity.top(2)).extracting(Popularity.Scored::movieId).containsExactly(7, 9);
    assertThat(popularity.top(0)).isEmpty();
    // exclusions in any order; the scores keep the overall maximum
    assertThat(popularity.top(3, new int[] {11, 7, 3})).containsExactly(
        new Popularity.Scored(9, 0.75), new Popularity.Scored(5, 0.25), new Popularity.Scored(100, 0.25));
    assertThat(popularity.top(3, new int[] {3, 5, 7, 9, 11, 100})).isEmpty();
    assertThatThrownBy(() -> popularity.top(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noRatingsRanksNothing() {
    assertThat(Popularity.of(users()).top(10)).isEmpty();
    assertThat(Popularity.of(users(new int[0], new int[0])).top(10, new int[] {1})).isEmpty();
  }

  /** Ids spread far apart (counted by sorting) and close together (counted in an array) rank the same way. */
  @Test
  void sparseAndDenseIdsAgreeWithABruteForceCount() {
    Random random = new Random(3);
    for (int spread : new int[] {1, 1_000_003}) {
      int[][] rated = new int[300][];
      Map<Integer, Integer> counts = new HashMap<>();
      for (int u = 0; u < rated.length; u++) {
        Set<Integer> mine = new HashSet<>();
        int n = random.nextInt(40);
        while (mine.size() < n) mine.add((int) Math.min(Integer.MAX_VALUE, (long) spread * (1 + (int) Math.abs(random.nextGaussian() * 60))));
        rated[u] = mine.stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int id : rated[u]) counts.merge(id, 1, Integer::sum);
      }
      List<Integer> expected = new ArrayList<>(counts.keySet());
      expected.sort((a, b) -> !counts.get(a).equals(counts.get(b)) ? Integer.compare(counts.get(b), counts.get(a)) : Integer.compare(a, b));
      int max = counts.get(expected.get(0));
      int[] excluded = {expected.get(1), expected.get(4), -5};
      List<Integer> expectedTop = new ArrayList<>(expected);
      expectedTop.removeAll(List.of(expected.get(1), expected.get(4)));
      List<Popularity.Scored> top = Popularity.of(users(rated)).top(20, excluded);
      assertThat(top).extracting(Popularity.Scored::movieId).as("spread %d", spread).containsExactlyElementsOf(expectedTop.subList(0, 20));
      for (Popularity.Scored s : top) assertThat(s.score()).isEqualTo(counts.get(s.movieId()) / (double) max);
    }
  }

  @Test
  void movieLensTopTenAfterARatedList() {
    ServingFixtures.Trained trained = ServingFixtures.latestSmallModel(1);
    Popularity popularity = Popularity.of(trained.version().users());
    assertThat(popularity.size()).isEqualTo(trained.version().movies().size());
    List<Popularity.Scored> top = popularity.top(10);
    // ml-latest-small's most rated movie is Forrest Gump (356), rated by 329 of 610 users
    assertThat(top.get(0)).isEqualTo(new Popularity.Scored(356, 1.0));
    int[] excluded = top.stream().limit(5).mapToInt(Popularity.Scored::movieId).toArray();
    assertThat(popularity.top(5, excluded)).containsExactlyElementsOf(popularity.top(10).subList(5, 10));
  }
}

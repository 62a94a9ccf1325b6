package io.recserve.model.als;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.model.movielens.Ratings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImplicitAlsTest {
  /** 200 users in 4 taste groups over 200 items; each user rates 20 items of its own group; 3 more are held out. */
  private record Planted(Ratings train, List<int[]> heldOut) {}

  private static Planted planted(long seed) {
    Random random = new Random(seed);
    Ratings train = new Ratings();
    List<int[]> heldOut = new ArrayList<>();
    for (int u = 0; u < 200; u++) {
      int group = u % 4;
      List<Integer> items = new ArrayList<>();
      for (int i = group; i < 200; i += 4) items.add(i);
      java.util.Collections.shuffle(items, random);
      for (int k = 0; k < 20; k++) train.add(u, items.get(k), 1 + random.nextInt(5), k);
      heldOut.add(new int[] {u, items.get(20), items.get(21), items.get(22)});
    }
    return new Planted(train, heldOut);
  }

  @Test
  void heldOutItemsOfTheUsersGroupRankFarAboveRandom() {
    Planted p = planted(7);
    Interactions data = Interactions.of(p.train());
    AlsModel model = ImplicitAls.train(data, new AlsParams(8, 0.1, 2.0, 10, 1, 2), (i, loss, s) -> {});
    double rankSum = 0;
    int count = 0;
    double[] scores = new double[data.items()];
    for (int[] row : p.heldOut()) {
      int u = data.userIndex(row[0]);
      model.scores(u, scores);
      Set<Integer> seen = new HashSet<>();
      for (int i : data.itemsOf(u)) seen.add(i);
      for (int h = 1; h < row.length; h++) {
        int target = data.itemIndex(row[h]);
        int better = 0, candidates = 0;
        for (int i = 0; i < scores.length; i++) {
          if (seen.contains(i) || i == target) continue;
          candidates++;
          if (scores[i] > scores[target]) better++;
        }
        rankSum += better / (double) candidates;
        count++;
      }
    }
    double meanPercentile = rankSum / count;
    // Random ranking gives 0.5; the user's own group is a quarter of the items, so good models stay under 0.25.
    assertThat(meanPercentile).isLessThan(0.2);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(AlsParams.Solver.class)
  void sameSeedGivesSameFactorsWhateverTheThreads(AlsParams.Solver solver) {
    Interactions data = Interactions.of(planted(3).train());
    AlsModel one = ImplicitAls.train(data, new AlsParams(16, 0.5, 1.0, 4, 99, 1).withSolver(solver, 3), (i, l, s) -> {});
    AlsModel two = ImplicitAls.train(data, new AlsParams(16, 0.5, 1.0, 4, 99, 2).withSolver(solver, 3), (i, l, s) -> {});
    assertThat(two.userFactors()).containsExactly(one.userFactors());
    assertThat(two.itemFactors()).containsExactly(one.itemFactors());
    AlsModel other = ImplicitAls.train(data, new AlsParams(16, 0.5, 1.0, 4, 100, 2).withSolver(solver, 3), (i, l, s) -> {});
    assertThat(other.userFactors()).isNotEqualTo(one.userFactors());
  }

  @Test
  void lossFallsAcrossIterations() {
    Interactions data = Interactions.of(planted(5).train());
    List<Double> losses = new ArrayList<>();
    ImplicitAls.train(data, new AlsParams(8, 0.1, 1.0, 6, 5, 2), (i, loss, s) -> losses.add(loss));
    assertThat(losses).hasSize(6);
    assertThat(losses.get(5)).isLessThan(losses.get(0));
    for (int i = 1; i < losses.size(); i++) assertThat(losses.get(i)).isLessThanOrEqualTo(losses.get(i - 1) * 1.0001);
  }

  @Test
  void lowRankAndCholeskyPathsAgree() {
    // Items here have 2..50 ratings: with 12 factors, rows of at most 4 use the Woodbury path, the rest Cholesky.
    Ratings ratings = new Ratings();
    Random random = new Random(11);
    for (int u = 0; u < 60; u++) for (int i = 0; i < 30; i++) if (random.nextInt(60) < 2 + i) ratings.add(u, i, 1 + random.nextInt(5), 0);
    Interactions data = Interactions.of(ratings);
    AlsModel model = ImplicitAls.train(data, new AlsParams(12, 0.3, 2.0, 3, 4, 1).withSolver(AlsParams.Solver.CHOLESKY, 1), (i, l, s) -> {});
    // The last half-iteration solved items exactly: check each item's normal equations hold to float precision.
    int f = 12;
    float[] x = model.userFactors(), y = model.itemFactors();
    for (int item = 0; item < data.items(); item++) {
      double[] lhs = new double[f], rhs = new double[f];
      for (int u = 0; u < data.users(); u++) {
        double c = 1, p = 0;
        for (int k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
          if (data.userItems[k] == item) {
            c = 1 + 2.0 * data.userValues[k];
            p = 1;
          }
        }
        double dot = 0;
        for (int d = 0; d < f; d++) dot += x[u * f + d] * y[item * f + d];
        for (int d = 0; d < f; d++) {
          lhs[d] += c * dot * x[u * f + d];
          rhs[d] += c * p * x[u * f + d];
        }
      }
      for (int d = 0; d < f; d++) assertThat(lhs[d] + 0.3 * y[item * f + d]).isCloseTo(rhs[d], org.assertj.core.data.Offset.offset(2e-3));
    }
  }
}

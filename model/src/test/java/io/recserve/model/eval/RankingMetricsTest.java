package io.recserve.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.recserve.model.movielens.Ratings;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private final int[] ranked = {10, 20, 30, 40};
  private final Set<Integer> relevant = Set.of(20, 40, 99);

  @Test
  void precisionAndRecall() {
    assertThat(RankingMetrics.precision(ranked, relevant, 4)).isEqualTo(0.5);
    assertThat(RankingMetrics.recall(ranked, relevant, 4)).isCloseTo(2.0 / 3, offset(1e-12));
    assertThat(RankingMetrics.precision(ranked, relevant, 2)).isEqualTo(0.5);
  }

  @Test
  void ndcgByHand() {
    // DCG = 1/log2(3) + 1/log2(5); ideal with 3 relevant in 4 slots = 1 + 1/log2(3) + 1/log2(4)
    double dcg = 1 / (Math.log(3) / Math.log(2)) + 1 / (Math.log(5) / Math.log(2));
    double ideal = 1 + 1 / (Math.log(3) / Math.log(2)) + 0.5;
    assertThat(RankingMetrics.ndcg(ranked, relevant, 4)).isCloseTo(dcg / ideal, offset(1e-12));
    assertThat(RankingMetrics.ndcg(new int[] {20, 40, 99}, relevant, 3)).isCloseTo(1.0, offset(1e-12));
    assertThat(RankingMetrics.ndcg(new int[] {1, 2}, relevant, 2)).isZero();
  }

  @Test
  void averagePrecisionByHand() {
    // hits at ranks 2 and 4: (1/2 + 2/4) / min(3, 4)
    assertThat(RankingMetrics.averagePrecision(ranked, relevant, 4)).isCloseTo((0.5 + 0.5) / 3, offset(1e-12));
  }

  @Test
  void temporalSplitHoldsOutTheLatestRatingsPerUser() {
    Ratings r = new Ratings();
    for (int t = 0; t < 10; t++) r.add(1, 100 + t, 4, 1000 - t); // newest first in file order
    for (int t = 0; t < 3; t++) r.add(2, 200 + t, 4, t); // below the minimum: all in training
    TemporalSplit split = TemporalSplit.of(r, 0.2, 5);
    assertThat(split.test().size()).isEqualTo(2);
    assertThat(Set.of(split.test().movie(0), split.test().movie(1))).containsExactlyInAnyOrder(100, 101);
    assertThat(split.train().size()).isEqualTo(11);
  }

  @Test
  void coverageCountsDistinctRecommendedItems() {
    Ratings test = new Ratings();
    test.add(1, 5, 4, 0);
    test.add(2, 6, 4, 0);
    Recommender fixed = new Recommender() {
      public String name() { return "fixed"; }
      public int[] recommend(int userId, int k) { return userId == 1 ? new int[] {5, 7} : new int[] {7, 8}; }
    };
    Evaluation e = Evaluation.of(java.util.List.of(fixed), test, 10, 2);
    assertThat(e.row("fixed").coverage()).isEqualTo(0.3);
    assertThat(e.row("fixed").precision()).isEqualTo(0.25);
    assertThat(e.table()).contains("| fixed | 0.2500 |");
  }
}

package io.recserve.model.eval;

import java.util.Set;

/** Ranking quality of one list against the relevant (held-out) items, binary relevance. */
public final class RankingMetrics {
  private RankingMetrics() {}

  public static double precision(int[] ranked, Set<Integer> relevant, int k) {
    return hits(ranked, relevant, k) / (double) k;
  }

  public static double recall(int[] ranked, Set<Integer> relevant, int k) {
    return relevant.isEmpty() ? 0 : hits(ranked, relevant, k) / (double) relevant.size();
  }

  /** DCG with gain 1 / log2(rank + 1), normalised by the ideal DCG of min(|relevant|, k) hits. */
  public static double ndcg(int[] ranked, Set<Integer> relevant, int k) {
    double dcg = 0;
    for (int i = 0; i < Math.min(k, ranked.length); i++) {
      if (relevant.contains(ranked[i])) dcg += 1.0 / log2(i + 2);
    }
    double ideal = 0;
    for (int i = 0; i < Math.min(k, relevant.size()); i++) ideal += 1.0 / log2(i + 2);
    return ideal == 0 ? 0 : dcg / ideal;
  }

  /** Average precision at k: the mean of precision@i over the ranks i of hits, divided by min(|relevant|, k). */
  public static double averagePrecision(int[] ranked, Set<Integer> relevant, int k) {
    double sum = 0;
    int hits = 0;
    for (int i = 0; i < Math.min(k, ranked.length); i++) {
      if (relevant.contains(ranked[i])) {
        hits++;
        sum += hits / (double) (i + 1);
      }
    }
    int denominator = Math.min(k, relevant.size());
    return denominator == 0 ? 0 : sum / denominator;
  }

  private static int hits(int[] ranked, Set<Integer> relevant, int k) {
    int hits = 0;
    for (int i = 0; i < Math.min(k, ranked.length); i++) if (relevant.contains(ranked[i])) hits++;
    return hits;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}

package io.recserve.model.eval;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.Interactions;

/** The two recommenders evaluation compares: the ALS model and the popularity baseline. */
public final class Recommenders {
  private Recommenders() {}

  /** Items ranked by the model's score, unrated items only. */
  public static Recommender als(AlsModel model) {
    Interactions data = model.data();
    return new Recommender() {
      public String name() { return "als"; }

      public int[] recommend(int userId, int k) {
        int u = data.userIndex(userId);
        if (u < 0) return new int[0];
        double[] scores = new double[data.items()];
        model.scores(u, scores);
        return toIds(data, TopK.of(scores, k, excluded(data, u)));
      }
    };
  }

  /** Items ranked by how many users rated them in training, unrated items only. */
  public static Recommender popularity(Interactions data) {
    int[] counts = data.itemCounts();
    double[] scores = new double[counts.length];
    for (int i = 0; i < counts.length; i++) scores[i] = counts[i];
    return new Recommender() {
      public String name() { return "popularity"; }

      public int[] recommend(int userId, int k) {
        int u = data.userIndex(userId);
        return toIds(data, TopK.of(scores, k, u < 0 ? null : excluded(data, u)));
      }
    };
  }

  private static boolean[] excluded(Interactions data, int userIndex) {
    boolean[] excluded = new boolean[data.items()];
    for (int i : data.itemsOf(userIndex)) excluded[i] = true;
    return excluded;
  }

  private static int[] toIds(Interactions data, int[] indices) {
    int[] ids = new int[indices.length];
    for (int i = 0; i < ids.length; i++) ids[i] = data.itemId(indices[i]);
    return ids;
  }
}

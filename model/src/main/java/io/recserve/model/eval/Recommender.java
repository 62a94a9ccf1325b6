package io.recserve.model.eval;

/** Ranks items for a user, best first, leaving out what the user rated in training. */
public interface Recommender {
  String name();

  /** Up to {@code k} external item ids for the external user id. */
  int[] recommend(int userId, int k);
}

package io.recserve.model.feedback;

/**
 * One piece of live feedback, in the order received ({@code seq}): user {@code userId} rated movie {@code movieId}
 * {@code rating} at {@code ratedAt} (epoch seconds, as MovieLens times are). A null rating records a rating removed.
 */
public record Feedback(long seq, int userId, int movieId, Float rating, long ratedAt) {
  public boolean removal() {
    return rating == null;
  }
}

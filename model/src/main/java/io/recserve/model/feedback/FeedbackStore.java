package io.recserve.model.feedback;

import java.util.List;

/**
 * Where live feedback is kept, apart from the imported ratings (an import replaces those; it never touches this):
 * PostgreSQL's {@code feedback} table or an append-only log in the data folder. Every call blocks; serving calls it
 * on a worker thread.
 */
public interface FeedbackStore extends AutoCloseable {
  /** Thrown when the same user, movie and time were already recorded: nothing is stored. */
  final class DuplicateFeedbackException extends RuntimeException {
    public DuplicateFeedbackException(int userId, int movieId, long ratedAt) {
      super("user " + userId + " already rated movie " + movieId + " at time " + ratedAt);
    }
  }

  /** Stores it durably (committed or forced to disk) and returns it with its sequence number. */
  Feedback add(int userId, int movieId, Float rating, long ratedAt);

  /** Every user's feedback after {@code afterSeq}, in order (what a version trained through {@code afterSeq} lacks). */
  List<Feedback> since(long afterSeq);

  /** One user's feedback after {@code afterSeq}, in order. */
  List<Feedback> ofUser(int userId, long afterSeq);

  /**
   * Forgets the ratings a user sent; returns how many. The user's removals of ratings stay: a rating the user
   * removed, from training or from feedback, does not come back because the user is forgotten.
   */
  int forget(int userId);

  /** The newest sequence number given (0 before any feedback). */
  long lastSeq();

  @Override
  default void close() {}
}

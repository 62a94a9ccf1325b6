package io.recserve.embedding;

import io.recserve.model.als.AlsParams;
import io.recserve.model.feedback.Feedback;
import io.recserve.model.feedback.FeedbackMerge;
import io.recserve.model.serving.Explanations;
import io.recserve.model.serving.FoldIn;
import io.recserve.model.serving.Popularity;
import io.recserve.model.serving.RatingScale;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.UserVectors;
import io.recserve.serving.MovieCatalogue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an embedding node holds of one model version: the trained user vectors with each user's ratings, the movie
 * vectors (for folding users in), the most rated movies (for the fallback), the movies' titles, and the users whose
 * ratings changed by live feedback since the version was trained, folded in again (the overlay). A lookup asks the
 * overlay first. The overlay is rebuilt from the feedback store when the version loads, so feedback survives
 * restarts and newer versions.
 */
final class UserModel {
  /** A user as the overlay holds one: the vector folded in from all the user's ratings, and the feedback it includes. */
  record UserState(float[] vector, int[] rated, float[] ratings, long generation) {}

  private final UserVectors users;
  private final MovieVectors movies;
  private final FoldIn foldIn;
  private final Popularity popularity;
  private final MovieCatalogue catalogue;
  private final RatingScale scale;
  private final long trainedThrough;
  private final Map<Integer, UserState> overlay = new ConcurrentHashMap<>();

  UserModel(UserVectors users, MovieVectors movies, AlsParams params, RatingScale scale, long trainedThrough) {
    this.users = users;
    this.movies = movies;
    this.foldIn = FoldIn.of(movies, params);
    this.popularity = Popularity.of(users);
    this.catalogue = new MovieCatalogue(movies);
    this.scale = scale;
    this.trainedThrough = trainedThrough;
  }

  int size() {
    return users.size();
  }

  long trainedThrough() {
    return trainedThrough;
  }

  RatingScale scale() {
    return scale;
  }

  MovieCatalogue catalogue() {
    return catalogue;
  }

  Popularity popularity() {
    return popularity;
  }

  FoldIn foldIn() {
    return foldIn;
  }

  int changedUsers() {
    return overlay.size();
  }

  /** The user as served now: from the overlay when live feedback changed the user, else as trained; null if unknown. */
  UserState user(int userId) {
    UserState changed = overlay.get(userId);
    if (changed != null) return changed.vector() == null ? null : changed;
    int index = users.indexOf(userId);
    if (index < 0) return null;
    return new UserState(users.vector(index), users.rated()[index], users.ratingsOf(index), 0);
  }

  /** The user's ratings as trained (before live feedback), or none. */
  private UserState trained(int userId) {
    int index = users.indexOf(userId);
    return index < 0 ? null : new UserState(users.vector(index), users.rated()[index], users.ratingsOf(index), 0);
  }

  /**
   * Folds the user in again from the trained ratings with {@code feedback} (the user's feedback newer than this
   * version's training) applied. With no feedback left, the user is served as trained again.
   */
  void refresh(int userId, List<Feedback> feedback) {
    if (feedback.isEmpty()) {
      overlay.remove(userId);
      return;
    }
    UserState base = trained(userId);
    Map<Integer, Float> merged = FeedbackMerge.apply(base == null ? new int[0] : base.rated(), base == null ? new float[0] : base.ratings(), feedback);
    long generation = feedback.get(feedback.size() - 1).seq();
    int[] ids = merged.keySet().stream().mapToInt(Integer::intValue).filter(id -> catalogue.position(id) >= 0).sorted().toArray();
    float[] ratings = new float[ids.length];
    for (int i = 0; i < ids.length; i++) ratings[i] = merged.get(ids[i]);
    if (ids.length == 0) {
      overlay.put(userId, new UserState(null, ids, ratings, generation)); // every rating removed: the user is unknown now
      return;
    }
    FoldIn.Result result = foldIn.foldIn(ids, ratings);
    overlay.put(userId, new UserState(result.vector(), ids, ratings, generation));
  }

  /** Replays every user's feedback newer than this version's training (feedback in sequence order). */
  void replay(List<Feedback> feedback) {
    Map<Integer, List<Feedback>> byUser = new java.util.LinkedHashMap<>();
    for (Feedback f : feedback) byUser.computeIfAbsent(f.userId(), u -> new java.util.ArrayList<>()).add(f);
    byUser.forEach(this::refresh);
  }

  /** The explanations of {@code recommended} for a user with these ratings. */
  Explanations explanations(int[] rated, float[] ratings) {
    return Explanations.of(foldIn, rated, ratings);
  }

  static int[] sorted(int[] ids) {
    int[] copy = ids.clone();
    Arrays.sort(copy);
    return copy;
  }
}

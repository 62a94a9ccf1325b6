package io.recserve.model.store;

import io.recserve.model.movielens.MovieLensData;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the pipeline keeps imported data and model versions: a local data folder ({@link FileModelRepository}) or
 * PostgreSQL. Every write is all-or-nothing: a failed import keeps the previous data, a failed publish the previous
 * current version.
 */
public interface ModelRepository extends AutoCloseable {
  /** Versions kept by {@link #prune} unless configured otherwise ({@code model.keep-versions}), besides the current one. */
  int DEFAULT_KEEP_VERSIONS = 3;

  /** Replaces the imported data set with {@code data}, atomically. */
  void saveDataset(MovieLensData data, String source);

  /** The imported data set; fails when nothing was imported. */
  MovieLensData loadDataset();

  boolean hasDataset();

  /**
   * Every piece of live feedback received so far (forgotten users left out), in order: training merges it with the
   * imported ratings. Reading it never disturbs a server writing it.
   */
  List<io.recserve.model.feedback.Feedback> feedback();

  /** Stores a new model version (not current yet), gives it a new random id, and returns its number. */
  long saveModel(TrainedModel model);

  /** Reads a stored version back (for evaluation and tests). */
  TrainedModel loadModel(long version);

  void saveEvaluation(long version, Map<String, Object> evaluation);

  /** Every stored version, oldest first; pruned ones are not listed. */
  List<ModelVersionInfo> versions();

  /** The current version's number. */
  default OptionalLong current() {
    return currentRef().map(r -> OptionalLong.of(r.number())).orElse(OptionalLong.empty());
  }

  /** The current version's number and id. */
  Optional<VersionRef> currentRef();

  /**
   * Makes {@code version} the one served, atomically; serving notices at once (PostgreSQL NOTIFY) or within its poll
   * interval. Fails, changing nothing, for a version that does not exist or was pruned, saying which.
   */
  void makeCurrent(long version);

  /**
   * Deletes the vectors (rows or files) of every version but the newest {@code keep} and the current one, and
   * returns the numbers pruned. A pruned version is remembered as such, so publishing it later fails clearly.
   */
  List<Long> prune(int keep);

  @Override
  default void close() {}
}

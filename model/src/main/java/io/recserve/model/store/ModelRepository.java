package io.recserve.model.store;

import io.recserve.model.movielens.MovieLensData;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where the pipeline keeps imported data and model versions: a local data folder ({@link FileModelRepository}) or
 * PostgreSQL. Every write is all-or-nothing: a failed import keeps the previous data, a failed publish the previous
 * current version.
 */
public interface ModelRepository extends AutoCloseable {
  /** Replaces the imported data set with {@code data}, atomically. */
  void saveDataset(MovieLensData data, String source);

  /** The imported data set; fails when nothing was imported. */
  MovieLensData loadDataset();

  boolean hasDataset();

  /** Stores a new model version (not current yet) and returns its number. */
  long saveModel(TrainedModel model);

  /** Reads a stored version back (for evaluation and tests). */
  TrainedModel loadModel(long version);

  void saveEvaluation(long version, JsonObject evaluation);

  List<ModelVersionInfo> versions();

  OptionalLong current();

  /** Makes {@code version} the one served, atomically; serving notices within its poll interval. */
  void makeCurrent(long version);

  @Override
  default void close() {}
}

package io.recserve.ann;

import io.recserve.model.serving.PgPools;
import io.recserve.model.serving.ServedModel;
import io.recserve.model.serving.VectorRows;
import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.ModelFiles;
import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * Movie vectors of a model version from the data folder or PostgreSQL, made into a {@link MovieIndex} on a worker
 * thread: opened from {@code <index-dir>/<version>} when this node built it before, built there otherwise.
 */
final class MovieIndexSource implements ServedModel.Source<MovieIndex> {
  private final Vertx vertx;
  private final WorkerExecutor builder;
  private final Path dataDir;
  private final Path indexDir;
  private final Pool pool;
  private final int maxConn;
  private final int beamWidth;

  MovieIndexSource(Vertx vertx, WorkerExecutor builder, JsonObject config) {
    this.vertx = vertx;
    this.builder = builder;
    JsonObject ann = config.getJsonObject("ann", new JsonObject());
    this.dataDir = FileModelRepository.folder(config);
    String dir = ann.getString("index-dir", "");
    this.pool = PgPools.configured(config) ? PgPools.create(vertx, config) : null;
    // Each store keeps its own indexes: versions of the data folder and of a database are numbered apart.
    this.indexDir = dir.isBlank() ? dataDir.resolve(pool == null ? "index" : "index-pg") : Path.of(dir);
    this.maxConn = ann.getInteger("max-conn", 16);
    this.beamWidth = ann.getInteger("beam-width", 100);
  }

  @Override
  public Future<OptionalLong> currentVersion() {
    return pool == null ? CurrentModelVersion.inDataFolder(vertx, dataDir) : CurrentModelVersion.inPostgres(pool);
  }

  @Override
  public Future<MovieIndex> load(long version) {
    Future<MovieVectors> vectors = pool == null
        ? vertx.executeBlocking(() -> ModelFiles.readMovies(dataDir.resolve("models").resolve(Long.toString(version))), false)
        : loadFromPostgres(version);
    return vectors.compose(v -> builder.executeBlocking(
        () -> MovieIndex.openOrBuild(indexDir.resolve(Long.toString(version)), v, maxConn, beamWidth, System.out), false));
  }

  private Future<MovieVectors> loadFromPostgres(long version) {
    return pool.preparedQuery("select movie_id, vector, title, genres from movie_embeddings where version = $1 order by movie_id")
        .execute(Tuple.of(version)).map(rows -> {
          List<Movie> movies = new ArrayList<>(rows.size());
          VectorRows v = VectorRows.of(rows, (row, i) -> movies.add(new Movie(row.getInteger(0), row.getString(2), Arrays.asList(row.getArrayOfStrings(3)))));
          return new MovieVectors(v.factors(), v.ids(), v.vectors(), movies);
        });
  }

  void close() {
    if (pool != null) pool.close();
  }
}

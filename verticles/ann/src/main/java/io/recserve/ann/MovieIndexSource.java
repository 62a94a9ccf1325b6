package io.recserve.ann;

import io.recserve.model.store.ModelFiles;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgModelReader;
import io.recserve.serving.PgPools;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Movie vectors of a model version from the data folder or PostgreSQL (JDBC, streamed), made into a
 * {@link MovieIndex} on a worker thread: reopened from {@code <index-dir>/<number>-<id>} when this node built it
 * before from the same version in the same format, built there otherwise.
 */
final class MovieIndexSource implements ServedModel.Source<MovieIndex> {
  private static final Logger LOG = LoggerFactory.getLogger(MovieIndexSource.class);
  private final Vertx vertx;
  private final WorkerExecutor builder;
  private final Path dataDir;
  private final Path indexDir;
  private final Pool pool;
  private final PgSettings settings;
  private final MovieIndex.Hnsw hnsw;
  /** Extra time before each index build (0: none): makes a build slow on purpose, to test a publish under load. */
  private final long buildDelayMillis;

  MovieIndexSource(Vertx vertx, WorkerExecutor builder, JsonObject config) {
    this.vertx = vertx;
    this.builder = builder;
    JsonObject ann = config.getJsonObject("ann", new JsonObject());
    this.dataDir = DataFolder.of(config);
    String dir = ann.getString("index-dir", "");
    boolean pg = PgSettings.configured(config);
    this.settings = pg ? PgSettings.of(config) : null;
    this.pool = pg ? PgPools.create(vertx, config.copy().put("pg", config.getJsonObject("pg").copy().put("pool-size", 1))) : null;
    this.indexDir = dir.isBlank() ? dataDir.resolve("index") : Path.of(dir);
    this.hnsw = MovieIndex.Hnsw.of(ann.getInteger("max-conn", 16), ann.getInteger("beam-width", 100), ann.getInteger("build-threads", 0));
    this.buildDelayMillis = ann.getLong("build-delay-ms", 0L);
  }

  @Override
  public Future<Optional<VersionRef>> currentVersion() {
    return pool == null ? CurrentModelVersion.inDataFolder(vertx, dataDir) : CurrentModelVersion.inPostgres(pool);
  }

  @Override
  public Future<MovieIndex> load(VersionRef version) {
    return builder.executeBlocking(() -> {
      if (buildDelayMillis > 0 && !java.nio.file.Files.isDirectory(folder(version))) Thread.sleep(buildDelayMillis);
      return MovieIndex.openOrBuild(folder(version), version.id(), vectors(version), hnsw, System.out);
    }, false);
  }

  private MovieVectors vectors(VersionRef version) throws Exception {
    if (settings != null) {
      try (Connection c = PgConnections.open(settings, "recserve-ann")) {
        return PgModelReader.movies(c, version);
      }
    }
    Path dir = dataDir.resolve("models").resolve(Long.toString(version.number()));
    if (!ModelFiles.ref(dir).id().equals(version.id())) throw new IllegalStateException("model version " + version + " was replaced in " + dir);
    return ModelFiles.readMovies(dir);
  }

  private Path folder(VersionRef version) {
    return indexDir.resolve(version.number() + "-" + version.id());
  }

  /** Deletes this node's index folders of versions it no longer holds (on a worker thread). */
  Future<Void> prune(Set<VersionRef> held) {
    Set<String> keep = held.stream().map(v -> folder(v).getFileName().toString()).collect(Collectors.toSet());
    return builder.executeBlocking(() -> {
      if (!Files.isDirectory(indexDir)) return null;
      try (Stream<Path> list = Files.list(indexDir)) {
        for (Path p : list.filter(Files::isDirectory).toList()) {
          String name = p.getFileName().toString();
          if (keep.contains(name)) continue; // builds run on the same single thread: a staging folder here is a torn one
          try {
            MovieIndex.deleteTree(p);
            LOG.info("ann: removed the index of a version no longer held ({})", name);
          } catch (IOException e) {
            LOG.warn("ann: could not remove {} ({})", p, e.toString());
          }
        }
      }
      return null;
    }, false);
  }

  void close() {
    if (pool != null) pool.close();
  }
}

package io.recserve.embedding;

import io.recserve.model.als.AlsParams;
import io.recserve.model.feedback.FeedbackStore;
import io.recserve.model.feedback.FileFeedbackStore;
import io.recserve.model.store.ModelFiles;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgFeedbackStore;
import io.recserve.serving.PgModelReader;
import io.recserve.serving.PgPools;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where an embedding node reads a model version (user and movie vectors, parameters, scale; from the data folder or
 * PostgreSQL, on a worker thread) and live feedback (a {@link FeedbackStore} beside it), replaying the feedback the
 * version was not trained with as it loads.
 */
final class UserModelSource implements ServedModel.Source<UserModel> {
  private static final Map<Path, FileFeedbackStore> FILE_STORES = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final Path dataDir;
  private final PgSettings settings;
  private final Pool pool;
  private final FeedbackStore feedback;

  UserModelSource(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.dataDir = DataFolder.of(config);
    boolean pg = PgSettings.configured(config);
    this.settings = pg ? PgSettings.of(config) : null;
    this.pool = pg ? PgPools.create(vertx, config.copy().put("pg", config.getJsonObject("pg").copy().put("pool-size", 1))) : null;
    // One writer per data folder in this JVM, however many embedding verticles share it.
    this.feedback = pg ? new PgFeedbackStore(settings)
        : FILE_STORES.computeIfAbsent(dataDir.toAbsolutePath().normalize(), d -> FileFeedbackStore.open(dataDir));
  }

  FeedbackStore feedback() {
    return feedback;
  }

  @Override
  public Future<Optional<VersionRef>> currentVersion() {
    return pool == null ? CurrentModelVersion.inDataFolder(vertx, dataDir) : CurrentModelVersion.inPostgres(pool);
  }

  @Override
  public Future<UserModel> load(VersionRef version) {
    return vertx.executeBlocking(() -> {
      UserModel model = settings != null ? fromPostgres(version) : fromFiles(version);
      model.replay(feedback.since(model.trainedThrough()));
      return model;
    }, false);
  }

  private UserModel fromFiles(VersionRef version) {
    Path dir = dataDir.resolve("models").resolve(Long.toString(version.number()));
    if (!ModelFiles.ref(dir).id().equals(version.id())) throw new IllegalStateException("model version " + version + " was replaced in " + dir);
    Map<String, Object> manifest = ModelFiles.manifest(dir);
    @SuppressWarnings("unchecked")
    AlsParams params = AlsParams.fromMap((Map<String, Object>) manifest.get("params"));
    return new UserModel(ModelFiles.readUsers(dir), ModelFiles.readMovies(dir), params, ModelFiles.scale(manifest), ModelFiles.trainedThrough(manifest));
  }

  private UserModel fromPostgres(VersionRef version) throws Exception {
    try (Connection c = PgConnections.open(settings, "recserve-embedding")) {
      AlsParams params;
      try (PreparedStatement p = c.prepareStatement("select params::text from model_versions where version = ?")) {
        p.setLong(1, version.number());
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          params = AlsParams.fromMap(io.recserve.model.Json.readMap(rs.getString(1)));
        }
      }
      return new UserModel(PgModelReader.users(c, version), PgModelReader.movies(c, version), params,
          PgModelReader.scale(c, version.number()), PgModelReader.trainedThrough(c, version.number()));
    }
  }

  void close() {
    if (pool != null) pool.close();
    if (settings != null) feedback.close();
  }
}

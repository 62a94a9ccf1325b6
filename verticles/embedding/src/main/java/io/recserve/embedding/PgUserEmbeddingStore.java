package io.recserve.embedding;

import io.recserve.model.store.UserVectors;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgModelReader;
import io.recserve.serving.PgPools;
import io.recserve.serving.PgSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.util.Optional;

/**
 * User vectors from PostgreSQL's {@code user_embeddings} (float32 bytea) of one model version, streamed with JDBC on a
 * worker thread; the small look at the current version goes through vertx-pg-client.
 */
final class PgUserEmbeddingStore implements UserEmbeddingStore {
  private final Vertx vertx;
  private final Pool pool;
  private final PgSettings settings;

  PgUserEmbeddingStore(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.settings = PgSettings.of(config);
    this.pool = PgPools.create(vertx, config.copy().put("pg", config.getJsonObject("pg").copy().put("pool-size", 1)));
  }

  @Override
  public Future<Optional<VersionRef>> currentVersion() {
    return CurrentModelVersion.inPostgres(pool);
  }

  @Override
  public Future<UserVectors> load(VersionRef version) {
    return vertx.executeBlocking(() -> {
      try (Connection c = PgConnections.open(settings, "recserve-embedding")) {
        return PgModelReader.users(c, version);
      }
    }, false);
  }

  @Override
  public void close() {
    pool.close();
  }
}

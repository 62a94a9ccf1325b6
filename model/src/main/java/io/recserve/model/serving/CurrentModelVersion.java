package io.recserve.model.serving;

import io.recserve.model.store.FileModelRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The model version published as current, read the way serving reads it: without blocking an event loop. */
public final class CurrentModelVersion {
  private CurrentModelVersion() {}

  /** From PostgreSQL's {@code model_current} row. */
  public static Future<OptionalLong> inPostgres(Pool pool) {
    return pool.query("select version from model_current").execute().map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? OptionalLong.of(it.next().getLong(0)) : OptionalLong.empty();
    });
  }

  /** From {@code <data>/models/CURRENT}, on a worker thread. */
  public static Future<OptionalLong> inDataFolder(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> FileModelRepository.readCurrent(dataDir.resolve("models")), false);
  }
}

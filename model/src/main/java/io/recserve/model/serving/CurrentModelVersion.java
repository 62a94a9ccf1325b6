package io.recserve.model.serving;

import io.recserve.model.store.FileModelRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The model version published as current, read the way serving reads it: without blocking an event loop. */
public final class CurrentModelVersion {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CurrentModelVersion.class);

  private CurrentModelVersion() {}

  /** From PostgreSQL's {@code model_current} row. */
  public static Future<OptionalLong> inPostgres(Pool pool) {
    return pool.query("select version from model_current").execute().map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? OptionalLong.of(it.next().getLong(0)) : OptionalLong.empty();
    });
  }

  /**
   * Calls {@code onPublished} whenever {@code bootstrap publish} switches the version in PostgreSQL (it sends a
   * NOTIFY on channel {@value #CHANNEL}), so a node swaps at once instead of at its next poll. Reconnects after a
   * lost connection; polling still covers any notification missed meanwhile.
   */
  public static PgSubscriber listen(Vertx vertx, io.vertx.core.json.JsonObject config, Runnable onPublished) {
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, PgPools.connectOptions(config))
        .reconnectPolicy(retries -> 1000L);
    subscriber.channel(CHANNEL).handler(payload -> onPublished.run());
    subscriber.connect().onFailure(e -> LOG.warn("cannot listen for model publications ({}); polling only", e.getMessage()));
    return subscriber;
  }

  /** The PostgreSQL channel {@code bootstrap publish} notifies. */
  public static final String CHANNEL = "recserve_model";

  /** From {@code <data>/models/CURRENT}, on a worker thread. */
  public static Future<OptionalLong> inDataFolder(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> FileModelRepository.readCurrent(dataDir.resolve("models")), false);
  }
}

package io.recserve.serving;

import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.VersionRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The model version published as current, read the way serving reads it: without blocking an event loop. */
public final class CurrentModelVersion {
  private static final Logger LOG = LoggerFactory.getLogger(CurrentModelVersion.class);

  /** The PostgreSQL channel {@code bootstrap publish} notifies. */
  public static final String CHANNEL = "recserve_model";

  private CurrentModelVersion() {}

  /** From PostgreSQL's {@code model_current} row and the version's id. */
  public static Future<Optional<VersionRef>> inPostgres(Pool pool) {
    return pool.query("select c.version, v.uuid::text from model_current c join model_versions v on v.version = c.version").execute()
        .map(rows -> {
          var it = rows.iterator();
          if (!it.hasNext()) return Optional.empty();
          Row row = it.next();
          return Optional.of(new VersionRef(row.getLong(0), row.getString(1)));
        });
  }

  /** From {@code <data>/models/CURRENT} and that version's manifest, on a worker thread. */
  public static Future<Optional<VersionRef>> inDataFolder(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> FileModelRepository.readCurrentRef(dataDir.resolve("models")), false);
  }

  /**
   * Calls {@code onPublished} whenever {@code bootstrap publish} switches the version in PostgreSQL (it sends a
   * NOTIFY on channel {@value #CHANNEL}), so a node swaps at once instead of at its next poll. Reconnects after a
   * lost connection; polling still covers any notification missed meanwhile.
   */
  public static PgSubscriber listen(Vertx vertx, JsonObject config, Runnable onPublished) {
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, PgPools.connectOptions(config))
        .reconnectPolicy(retries -> 1000L);
    subscriber.channel(CHANNEL).handler(payload -> onPublished.run());
    subscriber.connect().onFailure(e -> LOG.warn("cannot listen for model publications ({}); polling only", e.getMessage()));
    return subscriber;
  }
}

package io.recserve.serving;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** vertx-pg-client pools from the {@code pg} section of the configuration, as the verticles use them. */
public final class PgPools {
  private PgPools() {}

  /** True when {@code pg.url} is set: PostgreSQL is the store. */
  public static boolean configured(JsonObject config) {
    return PgSettings.configured(config);
  }

  public static PgConnectOptions connectOptions(JsonObject config) {
    PgSettings settings = PgSettings.of(config);
    PgConnectOptions options = new PgConnectOptions(settings.options()).setCachePreparedStatements(true)
        .setPipeliningLimit(256).setReconnectAttempts(0);
    options.addProperty("search_path", settings.schema());
    return options;
  }

  public static Pool create(Vertx vertx, JsonObject config) {
    int size = config.getJsonObject("pg", new JsonObject()).getInteger("pool-size", 8);
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(connectOptions(config)).using(vertx).build();
  }
}

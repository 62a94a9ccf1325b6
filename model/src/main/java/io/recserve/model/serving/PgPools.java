package io.recserve.model.serving;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** PostgreSQL settings from the {@code pg} section of the configuration, as the verticles use them. */
public final class PgPools {
  private PgPools() {}

  /** True when {@code pg.url} is set: PostgreSQL is the store. */
  public static boolean configured(JsonObject config) {
    return !config.getJsonObject("pg", new JsonObject()).getString("url", "").isBlank();
  }

  public static PgConnectOptions connectOptions(JsonObject config) {
    JsonObject pg = config.getJsonObject("pg", new JsonObject());
    String url = pg.getString("url", "").replaceFirst("^postgres://", "postgresql://");
    PgConnectOptions options = PgConnectOptions.fromUri(url).setCachePreparedStatements(true)
        .setPipeliningLimit(256).setReconnectAttempts(0);
    String schema = pg.getString("schema", "public");
    if (schema != null && !schema.isBlank()) options.addProperty("search_path", schema);
    return options;
  }

  public static Pool create(Vertx vertx, JsonObject config) {
    int size = config.getJsonObject("pg", new JsonObject()).getInteger("pool-size", 8);
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(connectOptions(config)).using(vertx).build();
  }
}

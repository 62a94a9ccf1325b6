package io.recserve.serving;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** JDBC connections for bulk reads on worker threads (model versions), from the one reading of {@code pg.url}. */
public final class PgConnections {
  private PgConnections() {}

  public static Connection open(PgSettings settings, String applicationName) throws SQLException {
    return DriverManager.getConnection(settings.jdbcUrl(), settings.jdbcProperties(applicationName));
  }
}

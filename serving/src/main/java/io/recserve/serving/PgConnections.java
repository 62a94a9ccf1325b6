package io.recserve.serving;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** JDBC connections for bulk work on worker threads (model versions, analytics copies), from the one reading of {@code pg.url}. */
public final class PgConnections {
  private PgConnections() {}

  public static Connection open(PgSettings settings, String applicationName) throws SQLException {
    return DriverManager.getConnection(settings.jdbcUrl(), settings.jdbcProperties(applicationName));
  }

  /** A connection whose reads fail after {@code socketTimeoutSeconds} without an answer, rather than waiting for ever. */
  public static Connection open(PgSettings settings, String applicationName, int socketTimeoutSeconds) throws SQLException {
    Properties p = settings.jdbcProperties(applicationName);
    p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
    p.setProperty("connectTimeout", Integer.toString(Math.min(10, socketTimeoutSeconds)));
    return DriverManager.getConnection(settings.jdbcUrl(), p);
  }
}

package io.recserve.testing;

import java.sql.Connection;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgSettings;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The real PostgreSQL and Redis for integration tests: named by RECSERVE_PG_URL / RECSERVE_REDIS_URL when set
 * (.ci/run sets them to the machine's services), started with Testcontainers otherwise. With neither, the test is
 * skipped, and .ci/run turns any skipped test into a failure.
 */
public final class TestServices {
  private static PostgreSQLContainer<?> postgres;
  private static GenericContainer<?> redis;
  private static final java.util.List<String> SCHEMAS = new java.util.concurrent.CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (String schema : SCHEMAS) {
        try {
          execute("drop schema if exists " + schema + " cascade");
        } catch (RuntimeException ignored) {
          // the database may be gone already; leftover test schemas are harmless
        }
      }
    }));
  }

  private TestServices() {}

  /** {@code postgresql://user[:password]@host:port/db}. */
  public static synchronized String postgresUrl() {
    String url = System.getenv("RECSERVE_PG_URL");
    if (url != null && !url.isBlank()) return url;
    requireDocker("PostgreSQL");
    if (postgres == null) {
      postgres = new PostgreSQLContainer<>("postgres:16-alpine");
      postgres.start();
    }
    return "postgresql://" + postgres.getUsername() + ":" + postgres.getPassword() + "@" + postgres.getHost() + ":"
        + postgres.getMappedPort(5432) + "/" + postgres.getDatabaseName();
  }

  /** {@code redis://host:port}. */
  public static synchronized String redisUrl() {
    String url = System.getenv("RECSERVE_REDIS_URL");
    if (url != null && !url.isBlank()) return url;
    requireDocker("Redis");
    if (redis == null) {
      redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
      redis.start();
    }
    return "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
  }

  /** A new, empty schema in the test database, so tests never see each other's rows. */
  public static String freshSchema() {
    String schema = "rs_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    execute("create schema " + schema);
    SCHEMAS.add(schema);
    return schema;
  }

  /** Runs one SQL statement against the test database (setup and assertions). */
  public static void execute(String sql) {
    postgresUrl(); // skips the test (rather than failing it) when there is no PostgreSQL at all
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** A single number from a query, e.g. a count. */
  public static long queryLong(String sql) {
    postgresUrl();
    try (Connection c = connect(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** A single text value from a query. */
  public static String queryString(String sql) {
    postgresUrl();
    try (Connection c = connect(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static Connection connect() throws java.sql.SQLException {
    return PgConnections.open(PgSettings.parse(postgresUrl(), "public"), "recserve-tests");
  }

  private static void requireDocker(String service) {
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      docker = false;
    }
    Assumptions.assumeTrue(docker, service + ": set RECSERVE_" + (service.equals("Redis") ? "REDIS" : "PG")
        + "_URL or run a Docker engine for Testcontainers");
  }
}

package io.recserve.launcher;

import io.recserve.http.StartupStatus;
import io.recserve.model.Failures;
import io.recserve.serving.PgSettings;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's start when PostgreSQL is its store and it serves the model. The HTTP verticle starts first, so a
 * supervisor sees a live process: {@code /health-check} answers 200, and {@code /ready} 503 with a "store" check that
 * says what the node waits for. Then PostgreSQL is tried, with backoff (0.5 s doubling to 5 s) and one log line per
 * failed attempt, for up to {@code pg.startup-timeout-ms}; then come the migrations and, with nothing published, the
 * first model; then the other roles are deployed. After the timeout the start fails with one line, and the process
 * exits 1.
 *
 * <p>Only a failure to reach the server is retried (SQL state class 08, "the database system is starting up", too
 * many connections). A refused login or a missing database is a configuration error, reported at once.
 */
final class PgStartup {
  private static final Logger LOG = LoggerFactory.getLogger(PgStartup.class);
  static final String CHECK = "store";
  private static final long FIRST_BACKOFF_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 5000;
  private static final long MAX_CONNECT_SECONDS = 10;

  private PgStartup() {}

  /** PostgreSQL did not answer within the startup timeout: the message says it all, in one line. */
  static final class Unreachable extends RuntimeException implements Failures.Explained {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What a failed attempt reports: its number, the cause in words, and the wait before the next one. */
  interface Attempts {
    void failed(int attempt, String cause, long nextInMillis);
  }

  /** Starts {@code roles} as the class comment says; returns the node and the current model version. */
  static ServeCommand.Started start(JsonObject config, Roles roles) throws Exception {
    PgSettings pg = PgSettings.of(config);
    long timeoutMillis = config.getJsonObject("pg", new JsonObject()).getLong("startup-timeout-ms", 60_000L);
    Instant since = Instant.now();
    RecserveNode node = RecserveNode.start(config, roles.only("http"), roles,
        vertx -> StartupStatus.waiting(vertx, CHECK, "connecting to PostgreSQL at " + pg.display(), new JsonObject().put("since", since.toString())))
        .await();
    try {
      String givesUp = Instant.now().plusMillis(timeoutMillis).toString();
      awaitReachable(pg, timeoutMillis, (attempt, cause, next) -> StartupStatus.waiting(node.vertx(), CHECK,
          "waiting for PostgreSQL at " + pg.display() + " (attempt " + attempt + ", next in " + seconds(next) + ")",
          new JsonObject().put("error", cause).put("since", since.toString()).put("gives_up_at", givesUp)));
      OptionalLong model = ServeCommand.ensureModel(config,
          phase -> StartupStatus.waiting(node.vertx(), CHECK, phase, new JsonObject().put("since", since.toString())));
      StartupStatus.done(node.vertx(), CHECK, new JsonObject().put("store", "PostgreSQL " + pg.display()));
      node.deploy(config, roles.without("http")).await();
      return new ServeCommand.Started(node, model);
    } catch (Exception | Error e) {
      node.stop().await(40, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * Returns once a connection to PostgreSQL opens; tries with backoff until {@code timeoutMillis} have passed, logging
   * each failed attempt, then throws {@link Unreachable}. A failure other than reaching the server is thrown at once.
   */
  static void awaitReachable(PgSettings pg, long timeoutMillis, Attempts attempts) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    long backoff = FIRST_BACKOFF_MILLIS;
    for (int attempt = 1; ; attempt++) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Properties properties = pg.jdbcProperties("recserve-startup");
      String connectSeconds = Long.toString(Math.max(1, Math.min(MAX_CONNECT_SECONDS, TimeUnit.MILLISECONDS.toSeconds(left))));
      properties.setProperty("connectTimeout", connectSeconds);
      properties.setProperty("loginTimeout", connectSeconds);
      SQLException failure;
      try (Connection ignored = DriverManager.getConnection(pg.jdbcUrl(), properties)) {
        if (attempt > 1) LOG.info("PostgreSQL at {} answered (attempt {})", pg.display(), attempt);
        return;
      } catch (SQLException e) {
        if (!unreachable(e)) {
          throw new IllegalStateException("PostgreSQL at " + pg.display() + " refused the connection: " + firstLine(e.getMessage()), e);
        }
        failure = e;
      }
      String cause = cause(failure);
      left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new Unreachable("PostgreSQL at " + pg.display() + " was not reachable within " + seconds(timeoutMillis) + " (" + attempt
            + (attempt == 1 ? " attempt: " : " attempts, the last: ") + cause + "); check pg.url and that PostgreSQL runs, or raise pg.startup-timeout-ms", failure);
      }
      long wait = Math.min(backoff, left);
      LOG.warn("PostgreSQL at {} is unreachable (attempt {}: {}); next attempt in {}, giving up in {}", pg.display(), attempt, cause,
          seconds(wait), seconds(left));
      attempts.failed(attempt, cause, wait);
      Thread.sleep(wait);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  /** True for a failure to reach the server, as opposed to one it answered with (a login refused, no such database). */
  static boolean unreachable(SQLException e) {
    String state = e.getSQLState();
    return state == null || state.startsWith("08") || state.equals("57P03") || state.equals("53300");
  }

  /** The failure in a few words: the network's own ("Connection refused") where there is one, else the server's. */
  static String cause(SQLException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    if (root instanceof UnknownHostException) return "unknown host " + root.getMessage();
    if (root instanceof IOException && root.getMessage() != null && !root.getMessage().isBlank()) return root.getMessage();
    return e.getMessage() == null ? Failures.describe(e) : firstLine(e.getMessage());
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }

  /** 500 as "0.5 s", 2000 as "2 s". */
  static String seconds(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }
}

package io.recserve.analytics;

import io.recserve.contract.RecommendationEvent;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The production store: {@code recommendation_events} in PostgreSQL. The recommended movies are two array columns.
 * Summaries run with a statement timeout ({@code analytics.summary-timeout-ms}).
 *
 * <p>Each event is stored once: request_id is the primary key. A batch is first written with {@code COPY} in binary
 * ({@link EventCopy}, the PostgreSQL JDBC driver's {@code CopyManager} on a worker thread, one connection per write
 * under way); only when that meets a request id already stored (a batch sent again after its confirmation was lost)
 * is it inserted again with {@code ON CONFLICT DO NOTHING}, which skips those rows. The failed copy stores nothing.
 * {@code COPY} costs PostgreSQL and this node less per event than the array insert, which the JVM built from boxed
 * values and the event loop encoded (docs/performance.md).
 */
final class PgEventStore implements EventStore {
  /**
   * A batch sent again, in one statement. Each event's movies and scores are a slice ({@code [s:e]}) of two arrays that
   * hold those of the whole batch, and its time is milliseconds since the epoch.
   */
  private static final String INSERT_SKIPPING_STORED = "insert into recommendation_events (" + EventCopy.COLUMNS + ") "
      + "select r, k, u, c, ($5::int[])[s:e], ($6::real[])[s:e], v, h, l, timestamptz 'epoch' + t * interval '1 millisecond' "
      + "from unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $7::int[], $8::int[], $9::bigint[], $10::bool[], $11::float8[], "
      + "$12::bigint[]) as x(r, k, u, c, s, e, v, h, l, t) on conflict (request_id) do nothing returning request_id";
  private static final String UNIQUE_VIOLATION = "23505";
  /** The summaries count the events that answered with recommendations, not feedback. */
  private static final String ANSWERS = "kind in (" + RecommendationEvent.ANSWERS.stream().sorted().map(k -> "'" + k + "'")
      .collect(java.util.stream.Collectors.joining(", ")) + ")";
  private static final String VERSIONS = "select model_version, count(*), avg(case when cache_hit then 1.0 else 0.0 end), "
      + "percentile_cont(0.5) within group (order by latency_ms), percentile_cont(0.95) within group (order by latency_ms), "
      + "percentile_cont(0.99) within group (order by latency_ms) from recommendation_events "
      + "where created_at >= now() - make_interval(secs => $1) and " + ANSWERS + " group by model_version order by model_version";
  private static final String TOP = "select model_version, movie_id, n from ("
      + "select model_version, movie_id, count(*) n, row_number() over (partition by model_version order by count(*) desc, movie_id) r "
      + "from (select model_version, unnest(movie_ids) movie_id from recommendation_events "
      + "where created_at >= now() - make_interval(secs => $1) and " + ANSWERS + ") x group by model_version, movie_id) y where r <= $2 "
      + "order by model_version, r";
  private static final String MINUTES = "select date_trunc('minute', created_at), count(*), count(*) filter (where cache_hit), "
      + "percentile_cont(0.5) within group (order by latency_ms), percentile_cont(0.95) within group (order by latency_ms), "
      + "percentile_cont(0.99) within group (order by latency_ms) from recommendation_events where created_at >= $1 and " + ANSWERS
      + " group by 1 order by 1";
  private static final String TOP_SINCE = "select movie_id, count(*) n from (select unnest(movie_ids) movie_id from recommendation_events "
      + "where created_at >= $1 and " + ANSWERS + ") x group by movie_id order by n desc, movie_id limit $2";
  private static final String REJECT = "insert into recommendation_events_rejected (request_id, event, reason) values ($1, $2::jsonb, $3)";
  private static final String COPY = "copy recommendation_events (" + EventCopy.COLUMNS + ") from stdin (format binary)";
  private final Vertx vertx;
  private final Pool pool;
  private final PgSettings settings;
  private final int socketTimeoutSeconds;
  /** The insert of a batch sent again and the dead-letter insert: no answer for this long fails them, as the copy's socket timeout does. */
  private final long writeTimeoutMillis;
  private final long summaryTimeoutMillis;
  /** JDBC connections between copies; a connection a copy failed on is closed, and a new one opened next time. */
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  PgEventStore(Vertx vertx, Pool pool, PgSettings settings, long writeTimeoutMillis, long summaryTimeoutMillis) {
    this.vertx = vertx;
    this.pool = pool;
    this.settings = settings;
    this.socketTimeoutSeconds = (int) Math.max(1, (writeTimeoutMillis + 999) / 1000);
    this.writeTimeoutMillis = writeTimeoutMillis;
    this.summaryTimeoutMillis = summaryTimeoutMillis;
  }

  /**
   * Writes in request-id order: two writes that share events (a batch sent again while its first write is still
   * under way) then wait for each other's primary-key entries in one order, and cannot deadlock (40P01, which the
   * verticle would take for an outage). The later one meets the stored ids and goes again skipping them.
   */
  @Override
  public Future<List<RecommendationEvent>> write(List<RecommendationEvent> events) {
    List<RecommendationEvent> ordered = new ArrayList<>(events);
    return vertx.<List<RecommendationEvent>>executeBlocking(() -> {
      ordered.sort(BY_ID); // on the worker, off the event loop; done before the recovery below reads the list
      copy(ordered);
      return ordered; // a copy stores every row or none
    }, false).recover(e -> e instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState()) ? insertSkippingStored(ordered)
        : Future.failedFuture(e));
  }

  /** Cheap: the batches merged into one write are each nearly in order already (version 7 ids begin with the time). */
  private static final java.util.Comparator<RecommendationEvent> BY_ID = java.util.Comparator.comparing(RecommendationEvent::requestId);

  /**
   * Copies on a connection left from an earlier copy, or a new one. A kept connection the server or the network closed
   * while it was idle (SQLSTATE 08xxx, or 57P01 for a backend terminated) gets one more try on a new connection: that is
   * no outage of the store.
   */
  private void copy(List<RecommendationEvent> events) throws SQLException {
    byte[] data = EventCopy.encode(events);
    Connection kept = idle.poll();
    if (kept != null) {
      try {
        copy(kept, data);
        return;
      } catch (SQLException e) {
        if (!lostConnection(e)) throw e;
      }
    }
    copy(PgConnections.open(settings, "recserve-analytics", socketTimeoutSeconds), data);
  }

  private void copy(Connection c, byte[] data) throws SQLException {
    try {
      CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
      try {
        in.writeToCopy(data, 0, data.length);
        in.endCopy();
      } finally {
        if (in.isActive()) in.cancelCopy();
      }
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
    if (closed) closeQuietly(c);
    else idle.add(c);
  }

  private static boolean lostConnection(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01"));
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // a connection that failed is dropped whatever its close says
    }
  }

  /**
   * The batch again, skipping the request ids already stored: an array insert with {@code ON CONFLICT DO NOTHING}.
   * Gives the events it stored, by the ids the insert returns (the first of two copies in the batch).
   */
  private Future<List<RecommendationEvent>> insertSkippingStored(List<RecommendationEvent> events) {
    int n = events.size();
    int items = 0;
    for (RecommendationEvent e : events) items += e.movieIds().length;
    UUID[] ids = new UUID[n];
    String[] kinds = new String[n];
    Integer[] users = new Integer[n], cutoffs = new Integer[n], starts = new Integer[n], ends = new Integer[n], movies = new Integer[items];
    Float[] scores = new Float[items];
    Long[] versions = new Long[n], times = new Long[n];
    Boolean[] hits = new Boolean[n];
    Double[] latencies = new Double[n];
    int at = 0;
    for (int i = 0; i < n; i++) {
      RecommendationEvent e = events.get(i);
      ids[i] = EventCopy.requestId(e); // all UUIDs: the copy that came first read them
      kinds[i] = e.kind();
      users[i] = e.userId();
      cutoffs[i] = e.cutoff();
      starts[i] = at + 1; // PostgreSQL arrays count from 1; an empty slice is [at + 1 : at]
      for (int j = 0; j < e.movieIds().length; j++, at++) {
        movies[at] = e.movieIds()[j];
        scores[at] = e.scores()[j];
      }
      ends[i] = at;
      versions[i] = e.modelVersion();
      hits[i] = e.cacheHit();
      latencies[i] = e.latencyMs();
      times[i] = e.timeMillis();
    }
    Tuple rows = Tuple.of(ids, kinds, users, cutoffs, movies, scores).addValue(starts).addValue(ends)
        .addValue(versions).addValue(hits).addValue(latencies).addValue(times);
    return pool.preparedQuery(INSERT_SKIPPING_STORED).execute(rows).timeout(writeTimeoutMillis, TimeUnit.MILLISECONDS).map(inserted -> {
      Set<UUID> fresh = new HashSet<>();
      for (Row r : inserted) fresh.add(r.getUUID(0));
      List<RecommendationEvent> stored = new ArrayList<>(fresh.size());
      for (int i = 0; i < n; i++) if (fresh.remove(ids[i])) stored.add(events.get(i));
      return stored;
    });
  }

  /** Data exceptions (22xxx), integrity violations (23xxx) and a request id that is no UUID: the rows, not the server, are at fault. */
  @Override
  public boolean refusedData(Throwable failure) {
    String state = failure instanceof PgException pg ? pg.getSqlState() : failure instanceof SQLException s ? s.getSQLState() : null;
    return failure instanceof EventCopy.NotUuid || state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  @Override
  public Future<Void> reject(RecommendationEvent event, String reason) {
    // The event as a JSON object (a String would be stored as one JSON string, its fields out of SQL's reach).
    return pool.preparedQuery(REJECT).execute(Tuple.of(event.requestId(), event.toJson(), reason))
        .timeout(writeTimeoutMillis, TimeUnit.MILLISECONDS).mapEmpty();
  }

  @Override
  public Future<JsonObject> summary(long windowSeconds, int top) {
    double seconds = windowSeconds;
    return pool.withTransaction(c -> c.query("set local statement_timeout = " + summaryTimeoutMillis).execute()
        .compose(v -> c.preparedQuery(VERSIONS).execute(Tuple.of(seconds)))
        .compose(versions -> c.preparedQuery(TOP).execute(Tuple.of(seconds, top)).map(tops -> {
          Map<Long, JsonArray> topByVersion = new LinkedHashMap<>();
          for (Row r : tops) {
            topByVersion.computeIfAbsent(r.getLong(0), v -> new JsonArray())
                .add(new JsonObject().put("movie_id", r.getInteger(1)).put("count", r.getLong(2)));
          }
          List<JsonObject> out = new ArrayList<>();
          for (Row r : versions) {
            out.add(Summaries.version(r.getLong(0), r.getLong(1), r.getNumeric(2).doubleValue(), r.getDouble(3), r.getDouble(4),
                r.getDouble(5), topByVersion.getOrDefault(r.getLong(0), new JsonArray())));
          }
          return Summaries.summary(windowSeconds, out);
        })));
  }

  /** The minutes' aggregates and the top movies in SQL (date_trunc, percentile_cont), under the summary's statement timeout. */
  @Override
  public Future<JsonObject> timeSeries(long fromMillis, int minutes, int top) {
    OffsetDateTime from = OffsetDateTime.ofInstant(Instant.ofEpochMilli(fromMillis), ZoneOffset.UTC);
    return pool.withTransaction(c -> c.query("set local statement_timeout = " + summaryTimeoutMillis).execute()
        .compose(v -> c.preparedQuery(MINUTES).execute(Tuple.of(from)))
        .compose(rows -> (top == 0 ? Future.<io.vertx.sqlclient.RowSet<Row>>succeededFuture(null) : c.preparedQuery(TOP_SINCE).execute(Tuple.of(from, top))).map(tops -> {
          List<JsonObject> buckets = new ArrayList<>();
          for (Row r : rows) {
            buckets.add(TimeSeries.bucket(r.getOffsetDateTime(0).toInstant().toEpochMilli(), r.getLong(1), r.getLong(2), r.getDouble(3),
                r.getDouble(4), r.getDouble(5)));
          }
          JsonArray topMovies = new JsonArray();
          if (tops != null) for (Row r : tops) topMovies.add(new JsonObject().put("movie_id", r.getInteger(0)).put("count", r.getLong(1)));
          return TimeSeries.series(fromMillis, minutes, buckets, topMovies);
        })));
  }

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public Future<Void> close() {
    closed = true;
    Future<Void> copies = vertx.executeBlocking(() -> {
      for (Connection c; (c = idle.poll()) != null; ) closeQuietly(c);
      return null;
    }, false);
    return Future.join(copies, pool.close()).mapEmpty();
  }
}

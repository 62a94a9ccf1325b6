package io.recserve.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The production store: {@code recommendation_events} in PostgreSQL, one transaction per batch, ON CONFLICT DO NOTHING. */
final class PgEventStore implements EventStore {
  /** One statement per batch: columns as arrays, unnested into rows. */
  private static final String INSERT = "insert into recommendation_events "
      + "(request_id, user_id, cutoff, items, model_version, cache_hit, latency_ms, created_at) "
      + "select r::uuid, u, c, i::jsonb, v, h, l, t::timestamptz from unnest($1::text[], $2::int[], $3::int[], $4::text[], "
      + "$5::bigint[], $6::bool[], $7::float8[], $8::text[]) as x(r, u, c, i, v, h, l, t) on conflict (request_id) do nothing";
  private static final String VERSIONS = "select model_version, count(*), avg(case when cache_hit then 1.0 else 0.0 end), "
      + "percentile_cont(0.5) within group (order by latency_ms), percentile_cont(0.95) within group (order by latency_ms), "
      + "percentile_cont(0.99) within group (order by latency_ms) from recommendation_events "
      + "where created_at >= now() - make_interval(secs => $1) group by model_version order by model_version";
  private static final String TOP = "select model_version, movie_id, n from ("
      + "select model_version, movie_id, count(*) n, row_number() over (partition by model_version order by count(*) desc, movie_id) r "
      + "from (select model_version, (item ->> 'movie_id')::int movie_id from recommendation_events, jsonb_array_elements(items) item "
      + "where created_at >= now() - make_interval(secs => $1)) x group by model_version, movie_id) y where r <= $2 order by model_version, r";
  private final Pool pool;

  PgEventStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Void> write(List<JsonObject> events) {
    int n = events.size();
    String[] ids = new String[n], items = new String[n], times = new String[n];
    Integer[] users = new Integer[n], cutoffs = new Integer[n];
    Long[] versions = new Long[n];
    Boolean[] hits = new Boolean[n];
    Double[] latencies = new Double[n];
    for (int i = 0; i < n; i++) {
      JsonObject e = events.get(i);
      ids[i] = e.getString("request_id");
      users[i] = e.getInteger("user_id");
      cutoffs[i] = e.getInteger("cutoff");
      items[i] = e.getJsonArray("items", new JsonArray()).encode();
      versions[i] = e.getLong("model_version", 0L);
      hits[i] = e.getBoolean("cache_hit", false);
      latencies[i] = e.getDouble("latency_ms", 0.0);
      times[i] = e.getString("time");
    }
    return pool.preparedQuery(INSERT).execute(Tuple.of(ids, users, cutoffs, items, versions, hits).addValue(latencies).addValue(times)).mapEmpty();
  }

  @Override
  public Future<JsonObject> summary(long windowSeconds, int top) {
    double seconds = windowSeconds;
    return pool.preparedQuery(VERSIONS).execute(Tuple.of(seconds)).compose(versions ->
        pool.preparedQuery(TOP).execute(Tuple.of(seconds, top)).map(tops -> {
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
        }));
  }

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}

package io.recserve.analytics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The time-series shape (per-minute buckets, oldest first, only the minutes that had requests, plus the most
 * recommended movies over the whole series), and its computation over events held in memory (the file store's
 * last 24 hours). PostgreSQL computes the same in SQL ({@link PgEventStore}).
 */
final class TimeSeries {
  static final long BUCKET_MILLIS = 60_000;

  private TimeSeries() {}

  static JsonObject bucket(long timeMillis, long requests, long cacheHits, double p50, double p95, double p99) {
    return new JsonObject().put("time", timeMillis).put("requests", requests).put("cache_hits", cacheHits)
        .put("cache_hit_ratio", requests == 0 ? 0.0 : cacheHits / (double) requests)
        .put("latency_ms", new JsonObject().put("p50", p50).put("p95", p95).put("p99", p99));
  }

  static JsonObject series(long fromMillis, int minutes, List<JsonObject> buckets, JsonArray top) {
    long total = buckets.stream().mapToLong(b -> b.getLong("requests")).sum();
    return new JsonObject().put("from", fromMillis).put("minutes", minutes).put("bucket_seconds", BUCKET_MILLIS / 1000)
        .put("requests", total).put("buckets", new JsonArray(buckets)).put("top_movies", top);
  }

  static JsonObject compute(Iterable<Summaries.Entry> events, long fromMillis, int minutes, int top) {
    Map<Long, List<Summaries.Entry>> byMinute = new TreeMap<>();
    Map<Integer, Integer> counts = new HashMap<>();
    for (Summaries.Entry e : events) {
      if (e.timeMillis() < fromMillis) continue;
      byMinute.computeIfAbsent(Math.floorDiv(e.timeMillis(), BUCKET_MILLIS) * BUCKET_MILLIS, m -> new ArrayList<>()).add(e);
      for (int movie : e.movies()) counts.merge(movie, 1, Integer::sum);
    }
    List<JsonObject> buckets = new ArrayList<>();
    for (var minute : byMinute.entrySet()) {
      List<Summaries.Entry> list = minute.getValue();
      double[] latencies = list.stream().mapToDouble(Summaries.Entry::latencyMs).sorted().toArray();
      long hits = list.stream().filter(Summaries.Entry::cacheHit).count();
      buckets.add(bucket(minute.getKey(), list.size(), hits, Summaries.percentile(latencies, 0.5),
          Summaries.percentile(latencies, 0.95), Summaries.percentile(latencies, 0.99)));
    }
    JsonArray topMovies = new JsonArray();
    counts.entrySet().stream()
        .sorted(Map.Entry.<Integer, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(top).forEach(c -> topMovies.add(new JsonObject().put("movie_id", c.getKey()).put("count", c.getValue())));
    return series(fromMillis, minutes, buckets, topMovies);
  }
}

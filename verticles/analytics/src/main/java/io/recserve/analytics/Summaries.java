package io.recserve.analytics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The summary shape, and its computation over events held in memory (the file store's recent window). */
final class Summaries {
  private Summaries() {}

  /** Whether the summaries count an event of this kind: the answers, not feedback (null: none of them). */
  static boolean counts(String kind) {
    return kind != null && io.recserve.contract.RecommendationEvent.ANSWERS.contains(kind);
  }

  /** What the summary needs of one event, without the JSON around it. */
  record Entry(long timeMillis, long modelVersion, boolean cacheHit, double latencyMs, int[] movies) {}

  static JsonObject version(long modelVersion, long requests, double hitRatio, double p50, double p95, double p99, JsonArray top) {
    return new JsonObject().put("model_version", modelVersion).put("requests", requests).put("cache_hit_ratio", hitRatio)
        .put("latency_ms", new JsonObject().put("p50", p50).put("p95", p95).put("p99", p99)).put("top_movies", top);
  }

  static JsonObject summary(long windowSeconds, List<JsonObject> versions) {
    long total = versions.stream().mapToLong(v -> v.getLong("requests")).sum();
    return new JsonObject().put("window_seconds", windowSeconds).put("requests", total).put("versions", new JsonArray(versions));
  }

  static JsonObject compute(Iterable<Entry> events, long windowSeconds, int top) {
    long since = System.currentTimeMillis() - windowSeconds * 1000;
    Map<Long, List<Entry>> byVersion = new TreeMap<>();
    for (Entry e : events) {
      if (e.timeMillis() < since) continue;
      byVersion.computeIfAbsent(e.modelVersion(), v -> new ArrayList<>()).add(e);
    }
    List<JsonObject> versions = new ArrayList<>();
    for (var entry : byVersion.entrySet()) {
      List<Entry> list = entry.getValue();
      double[] latencies = list.stream().mapToDouble(Entry::latencyMs).sorted().toArray();
      long hits = list.stream().filter(Entry::cacheHit).count();
      Map<Integer, Integer> counts = new HashMap<>();
      for (Entry e : list) for (int movie : e.movies()) counts.merge(movie, 1, Integer::sum);
      JsonArray topMovies = new JsonArray();
      counts.entrySet().stream()
          .sorted(Map.Entry.<Integer, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(top).forEach(c -> topMovies.add(new JsonObject().put("movie_id", c.getKey()).put("count", c.getValue())));
      versions.add(version(entry.getKey(), list.size(), list.isEmpty() ? 0 : hits / (double) list.size(),
          percentile(latencies, 0.5), percentile(latencies, 0.95), percentile(latencies, 0.99), topMovies));
    }
    return summary(windowSeconds, versions);
  }

  /** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) return 0;
    double rank = p * (sorted.length - 1);
    int lo = (int) Math.floor(rank), hi = (int) Math.ceil(rank);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  }

}

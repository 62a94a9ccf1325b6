package io.recserve.analytics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The summary shape, and its computation over events held in memory (the file store's recent window). */
final class Summaries {
  private Summaries() {}

  static JsonObject version(long modelVersion, long requests, double hitRatio, double p50, double p95, double p99, JsonArray top) {
    return new JsonObject().put("model_version", modelVersion).put("requests", requests).put("cache_hit_ratio", hitRatio)
        .put("latency_ms", new JsonObject().put("p50", p50).put("p95", p95).put("p99", p99)).put("top_movies", top);
  }

  static JsonObject summary(long windowSeconds, List<JsonObject> versions) {
    long total = versions.stream().mapToLong(v -> v.getLong("requests")).sum();
    return new JsonObject().put("window_seconds", windowSeconds).put("requests", total).put("versions", new JsonArray(versions));
  }

  static JsonObject compute(Iterable<JsonObject> events, long windowSeconds, int top) {
    Instant since = Instant.now().minusSeconds(windowSeconds);
    Map<Long, List<JsonObject>> byVersion = new TreeMap<>();
    for (JsonObject e : events) {
      if (Instant.parse(e.getString("time")).isBefore(since)) continue;
      byVersion.computeIfAbsent(e.getLong("model_version", 0L), v -> new ArrayList<>()).add(e);
    }
    List<JsonObject> versions = new ArrayList<>();
    for (var entry : byVersion.entrySet()) {
      List<JsonObject> list = entry.getValue();
      double[] latencies = list.stream().mapToDouble(e -> e.getDouble("latency_ms", 0.0)).sorted().toArray();
      long hits = list.stream().filter(e -> e.getBoolean("cache_hit", false)).count();
      Map<Integer, Integer> counts = new HashMap<>();
      for (JsonObject e : list) {
        for (Object item : e.getJsonArray("items", new JsonArray())) counts.merge(((JsonObject) item).getInteger("movie_id"), 1, Integer::sum);
      }
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

  static double[] sorted(double... values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }
}

package io.recserve.model.eval;

import io.recserve.model.movielens.Ratings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Offline quality of recommenders at k, averaged over the users with held-out ratings. */
public record Evaluation(int k, int users, List<Row> rows) {
  /** One recommender's figures. */
  public record Row(String name, double precision, double recall, double ndcg, double map, double coverage) {
    public Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("model", name);
      out.put("precision", precision);
      out.put("recall", recall);
      out.put("ndcg", ndcg);
      out.put("map", map);
      out.put("coverage", coverage);
      return out;
    }
  }

  public static Evaluation of(List<Recommender> recommenders, Ratings test, int catalogueSize, int k) {
    Map<Integer, Set<Integer>> relevant = new HashMap<>();
    for (int i = 0; i < test.size(); i++) relevant.computeIfAbsent(test.user(i), u -> new HashSet<>()).add(test.movie(i));
    List<Row> rows = new ArrayList<>();
    for (Recommender recommender : recommenders) {
      double p = 0, r = 0, n = 0, m = 0;
      Set<Integer> recommended = new HashSet<>();
      for (var entry : relevant.entrySet()) {
        int[] ranked = recommender.recommend(entry.getKey(), k);
        for (int id : ranked) recommended.add(id);
        p += RankingMetrics.precision(ranked, entry.getValue(), k);
        r += RankingMetrics.recall(ranked, entry.getValue(), k);
        n += RankingMetrics.ndcg(ranked, entry.getValue(), k);
        m += RankingMetrics.averagePrecision(ranked, entry.getValue(), k);
      }
      int users = Math.max(1, relevant.size());
      rows.add(new Row(recommender.name(), p / users, r / users, n / users, m / users,
          recommended.size() / (double) Math.max(1, catalogueSize)));
    }
    return new Evaluation(k, relevant.size(), rows);
  }

  public Row row(String name) {
    return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "| model | precision@%d | recall@%d | NDCG@%d | MAP@%d | coverage |%n", k, k, k, k));
    out.append("|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      out.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f |%n",
          row.name(), row.precision(), row.recall(), row.ndcg(), row.map(), row.coverage()));
    }
    return out.toString();
  }

  /** The stored form: {@code {"k": 10, "users": 610, "rows": [{"model": "als", "ndcg": ...}, ...]}}. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("k", k);
    out.put("users", users);
    out.put("rows", rows.stream().map(Row::toMap).toList());
    return out;
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One recommended movie: {@code {"movie_id": 1, "title": "Toy Story (1995)", "genres": ["Comedy"], "score": 0.73}}. */
public record Recommendation(int movieId, String title, List<String> genres, double score) {
  public JsonObject toJson() {
    return new JsonObject()
        .put("movie_id", movieId)
        .put("title", title)
        .put("genres", new JsonArray(List.copyOf(genres)))
        .put("score", score);
  }

  @SuppressWarnings("unchecked")
  public static Recommendation fromJson(JsonObject json) {
    return new Recommendation(json.getInteger("movie_id"), json.getString("title"),
        (List<String>) json.getJsonArray("genres", new JsonArray()).getList(), json.getDouble("score"));
  }
}

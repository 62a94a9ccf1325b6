package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One recommended movie: {@code {"movie_id": 1, "title": "Toy Story (1995)", "genres": ["Comedy"], "score": 0.73}}.
 * Answers are written as text joined from each movie's {@link #textBeforeScore} and its score as a float32 (the
 * precision the bus carries scores in), by whichever node joins them: the ANN node, or an HTTP node that asked for
 * ids only ({@link NeighbourSearchRequest#idsOnly}). Both write the same text.
 */
public record Recommendation(int movieId, String title, List<String> genres, double score) {
  /** {@code {"movie_id":1,"title":"Toy Story (1995)","genres":["Comedy"],"score":}: a movie's text, waiting for its score. */
  public static String textBeforeScore(int movieId, String title, List<String> genres) {
    String json = new JsonObject().put("movie_id", movieId).put("title", title).put("genres", new JsonArray(List.copyOf(genres))).encode();
    return json.substring(0, json.length() - 1) + ",\"score\":";
  }

  /** The JSON array {@code [{...,"score":0.73}, ...]} of these movies' texts and scores, in order. */
  public static String join(String[] textsBeforeScore, float[] scores) {
    StringBuilder out = new StringBuilder(scores.length * 96 + 2).append('[');
    for (int i = 0; i < scores.length; i++) {
      if (i > 0) out.append(',');
      out.append(textsBeforeScore[i]).append(scores[i]).append('}');
    }
    return out.append(']').toString();
  }

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

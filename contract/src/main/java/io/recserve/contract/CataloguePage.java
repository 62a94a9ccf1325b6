package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A part of one model version's movie catalogue, as an ANN node holds it (ids ascending): the answer to
 * {@link Request} on {@link Addresses#ANN_CATALOGUE}. An HTTP node reads a version's whole catalogue once, page by page,
 * and then asks its searches for ids only ({@link NeighbourSearchRequest#idsOnly}), joining the titles itself.
 * <pre>{"model_version": 3, "model_id": "uuid", "total": 9742, "from": 0,
 *  "movies": [{"movie_id": 1, "title": "Toy Story (1995)", "genres": ["Adventure", "Animation"]}]}</pre>
 */
public record CataloguePage(ModelRef model, int total, int from, List<Movie> movies) {
  /** One movie of the catalogue. */
  public record Movie(int movieId, String title, List<String> genres) {}

  /**
   * Asks for {@code count} movies of version {@code model} from position {@code from} (0 first); fails with
   * {@link FailureCodes#MODEL_NOT_LOADED} when the node does not hold that version, 400 for a negative position or a
   * count outside 1..{@link #MAX}.
   * <pre>{"model_version": 3, "model_id": "uuid", "from": 0, "count": 2000}</pre>
   */
  public record Request(ModelRef model, int from, int count) {
    public JsonObject toJson() {
      return ModelRef.put(new JsonObject().put("from", from).put("count", count), "model", model);
    }

    public static Request fromJson(JsonObject json) {
      int from = Shapes.requireInt(json, "from");
      int count = Shapes.requireInt(json, "count");
      if (from < 0) throw new IllegalArgumentException("message field 'from' must be at least 0, got " + from);
      if (count < 1 || count > MAX) throw new IllegalArgumentException("message field 'count' must be 1.." + MAX + ", got " + count);
      return new Request(ModelRef.get(json, "model"), from, count);
    }
  }

  /** The most movies one page holds. */
  public static final int MAX = 5000;

  public CataloguePage {
    movies = List.copyOf(movies);
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray(new ArrayList<>(movies.size()));
    for (Movie m : movies) {
      list.add(new JsonObject().put("movie_id", m.movieId()).put("title", m.title()).put("genres", new JsonArray(List.copyOf(m.genres()))));
    }
    return ModelRef.put(new JsonObject().put("total", total).put("from", from).put("movies", list), "model", model);
  }

  @SuppressWarnings("unchecked")
  public static CataloguePage fromJson(JsonObject json) {
    JsonArray list = json.getJsonArray("movies");
    List<Movie> movies = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonObject m = list.getJsonObject(i);
      movies.add(new Movie(Shapes.requireInt(m, "movie_id"), m.getString("title"), (List<String>) m.getJsonArray("genres", new JsonArray()).getList()));
    }
    return new CataloguePage(ModelRef.get(json, "model"), Shapes.requireInt(json, "total"), Shapes.requireInt(json, "from"), movies);
  }
}

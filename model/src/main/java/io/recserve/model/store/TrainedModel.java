package io.recserve.model.store;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.Interactions;
import io.recserve.model.movielens.Movie;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a model version holds: the parameters it was trained with, user vectors and movie vectors. */
public record TrainedModel(AlsParams params, UserVectors users, MovieVectors movies) {
  /** Packs learnt factors with the movies' metadata; movies without a rating in training are left out. */
  public static TrainedModel of(AlsParams params, AlsModel model, List<Movie> catalogue) {
    Interactions data = model.data();
    int[] userIds = new int[data.users()];
    int[][] rated = new int[data.users()][];
    for (int u = 0; u < userIds.length; u++) {
      userIds[u] = data.userId(u);
      int[] items = data.itemsOf(u);
      rated[u] = new int[items.length];
      for (int i = 0; i < items.length; i++) rated[u][i] = data.itemId(items[i]);
      java.util.Arrays.sort(rated[u]);
    }
    Map<Integer, Movie> byId = new HashMap<>();
    for (Movie m : catalogue) byId.put(m.id(), m);
    int[] movieIds = new int[data.items()];
    List<Movie> movies = new ArrayList<>(movieIds.length);
    for (int i = 0; i < movieIds.length; i++) {
      movieIds[i] = data.itemId(i);
      movies.add(byId.getOrDefault(movieIds[i], new Movie(movieIds[i], "Movie " + movieIds[i], List.of())));
    }
    return new TrainedModel(params,
        new UserVectors(model.factors(), userIds, model.userFactors(), rated),
        new MovieVectors(model.factors(), movieIds, model.itemFactors(), movies));
  }
}

package io.recserve.model.movielens;

import java.util.List;

/** A movie's metadata. {@code genres} is empty for MovieLens's "(no genres listed)". */
public record Movie(int id, String title, List<String> genres) {
  public Movie {
    genres = List.copyOf(genres);
  }
}

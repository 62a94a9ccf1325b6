package io.recserve.bench;

import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.MovieLensReader;
import java.nio.file.Files;
import java.nio.file.Path;

/** ml-latest-small for benchmarks: -Drecserve.movielens=DIR, else shared/data/movielens/ml-latest-small above the working folder. */
final class MovieLensSmall {
  private MovieLensSmall() {}

  static MovieLensData load() {
    String property = System.getProperty("recserve.movielens");
    if (property != null) return MovieLensReader.read(Path.of(property));
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/data/movielens/ml-latest-small");
      if (Files.isDirectory(candidate)) return MovieLensReader.read(candidate);
      dir = dir.getParent();
    }
    throw new IllegalStateException("pass -Drecserve.movielens=<ml-latest-small folder>");
  }
}

package io.recserve.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small MovieLens folders for tests, and the path of the real ml-latest-small beside the project. */
public final class MovieLensFixtures {
  private MovieLensFixtures() {}

  /** ../shared/data/movielens/ml-latest-small, found from the working directory upwards; the test is skipped without it. */
  public static Path latestSmall() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/data/movielens/ml-latest-small");
      if (Files.isRegularFile(candidate.resolve("ratings.csv"))) return candidate;
      dir = dir.getParent();
    }
    String env = System.getenv("RECSERVE_TEST_MOVIELENS");
    if (env != null && Files.isDirectory(Path.of(env))) return Path.of(env);
    throw new IllegalStateException("ml-latest-small not found in shared/data/movielens above " + Path.of("").toAbsolutePath()
        + "; set RECSERVE_TEST_MOVIELENS");
  }

  /**
   * A ml-latest-style folder: {@code users} users in {@code groups} taste groups, each rating mostly the movies of
   * its group. Titles include a comma and quotes to exercise CSV quoting.
   */
  public static Path plantedCsv(Path dir, int users, int movies, int groups, int ratingsPerUser, long seed) {
    try {
      Files.createDirectories(dir);
      StringBuilder m = new StringBuilder("movieId,title,genres\n");
      for (int i = 1; i <= movies; i++) {
        String genres = i % 17 == 0 ? "(no genres listed)" : "Group" + (i % groups) + "|Drama";
        m.append(i).append(",\"Movie ").append(i).append(", The \"\"Planted\"\" (2000)\",").append(genres).append('\n');
      }
      Files.writeString(dir.resolve("movies.csv"), m);
      Random random = new Random(seed);
      StringBuilder r = new StringBuilder("userId,movieId,rating,timestamp\n");
      for (int u = 1; u <= users; u++) {
        int group = u % groups;
        java.util.Set<Integer> rated = new java.util.HashSet<>();
        while (rated.size() < ratingsPerUser) {
          int movie;
          if (random.nextDouble() < 0.9) {
            do movie = 1 + random.nextInt(movies); while (movie % groups != group);
          } else {
            movie = 1 + random.nextInt(movies);
          }
          if (rated.add(movie)) {
            r.append(u).append(',').append(movie).append(',').append(1 + random.nextInt(9) / 2.0).append(',')
                .append(1_000_000_000L + rated.size() * 60L).append('\n');
          }
        }
      }
      Files.writeString(dir.resolve("ratings.csv"), r);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

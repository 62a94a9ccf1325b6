package io.recserve.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a ml-latest-style folder (movies.csv, ratings.csv) of a given size for scale benchmarks: users and movies
 * drawn from Zipf-like popularity, so a few movies are rated by many, as in MovieLens.
 * Usage: SyntheticRatings DIR INTERACTIONS [USERS] [MOVIES] [SEED]
 */
public final class SyntheticRatings {
  private SyntheticRatings() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: SyntheticRatings DIR INTERACTIONS [USERS=INTERACTIONS/150] [MOVIES=60000] [SEED=1]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    long interactions = Long.parseLong(args[1]);
    int users = args.length > 2 ? Integer.parseInt(args[2]) : (int) Math.max(100, interactions / 150);
    int movies = args.length > 3 ? Integer.parseInt(args[3]) : 60_000;
    SplittableRandom random = new SplittableRandom(args.length > 4 ? Long.parseLong(args[4]) : 1);
    Files.createDirectories(dir);
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("movies.csv"), StandardCharsets.UTF_8)) {
      out.write("movieId,title,genres\n");
      for (int m = 1; m <= movies; m++) out.write(m + ",Synthetic Movie " + m + " (2000),Genre" + (m % 20) + "\n");
    }
    long started = System.nanoTime();
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("ratings.csv"), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write("userId,movieId,rating,timestamp\n");
      long perUser = interactions / users, written = 0;
      StringBuilder line = new StringBuilder(64);
      for (int u = 1; u <= users && written < interactions; u++) {
        long n = u == users ? interactions - written : perUser;
        java.util.BitSet seen = new java.util.BitSet(movies + 1);
        for (long k = 0; k < n; k++) {
          int movie;
          do movie = 1 + (int) Math.min(movies - 1, Math.floor(Math.pow(random.nextDouble(), 3) * movies)); while (seen.get(movie) && seen.cardinality() < movies);
          seen.set(movie);
          line.setLength(0);
          line.append(u).append(',').append(movie).append(',').append(1 + random.nextInt(9) / 2.0).append(',').append(1_000_000_000L + k).append('\n');
          out.write(line.toString());
        }
        written += n;
      }
    }
    System.out.printf("wrote %,d ratings by %,d users of %,d movies to %s in %.1f s%n", interactions, users, movies, dir, (System.nanoTime() - started) / 1e9);
  }
}

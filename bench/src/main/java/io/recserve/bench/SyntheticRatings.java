package io.recserve.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Writes a MovieLens-shaped folder (movies.csv, ratings.csv) of a given size for scale benchmarks. By default, for
 * 25M ratings, the shape of ml-25m: 162,541 users and 62,423 movies. Popularity is Zipf-like (a few movies are rated
 * by many), the number of ratings per user is heavy-tailed (at least 20, as in MovieLens), each user's timestamps
 * rise, and taste is planted: every movie and every user belongs to one of {@value #GROUPS} taste groups (the movie's
 * genre), and a user picks {@value #IN_GROUP_PERCENT}% of its movies from its own group, rated higher. A trained
 * model therefore beats popularity on the temporal split, so quality can be checked at this size.
 * Usage: SyntheticRatings DIR INTERACTIONS [USERS] [MOVIES] [SEED]
 */
public final class SyntheticRatings {
  static final int GROUPS = 20;
  static final int IN_GROUP_PERCENT = 60;
  private static final int MIN_PER_USER = 20;

  private SyntheticRatings() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: SyntheticRatings DIR INTERACTIONS [USERS=INTERACTIONS/154] [MOVIES=62423] [SEED=1]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    long interactions = Long.parseLong(args[1]);
    int users = args.length > 2 ? Integer.parseInt(args[2]) : (int) Math.max(100, interactions / 154);
    int movies = args.length > 3 ? Integer.parseInt(args[3]) : 62_423;
    SplittableRandom random = new SplittableRandom(args.length > 4 ? Long.parseLong(args[4]) : 1);
    Files.createDirectories(dir);
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("movies.csv"), StandardCharsets.UTF_8)) {
      out.write("movieId,title,genres\n");
      for (int m = 1; m <= movies; m++) out.write(m + ",Synthetic Movie " + m + " (" + (1950 + m % 70) + "),Genre" + group(m) + "\n");
    }
    long started = System.nanoTime();
    double extraMean = Math.max(1, interactions / (double) users - MIN_PER_USER);
    int cap = Math.max(MIN_PER_USER, movies / 4);
    long written = 0;
    int u = 0;
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("ratings.csv"), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write("userId,movieId,rating,timestamp\n");
      StringBuilder line = new StringBuilder(64);
      BitSet seen = new BitSet(movies + 1);
      while (written < interactions) {
        u++;
        int taste = random.nextInt(GROUPS);
        // Heavy-tailed: at least 20, then exponential with the mean that makes the total come out; the last user
        // (or the users beyond the expected count) takes what remains.
        long n = Math.min(cap, MIN_PER_USER + (long) (-Math.log(1 - random.nextDouble()) * extraMean));
        n = Math.min(n, interactions - written);
        seen.clear();
        long time = 1_000_000_000L + random.nextInt(300_000_000);
        for (long k = 0; k < n; k++) {
          boolean inGroup = random.nextInt(100) < IN_GROUP_PERCENT;
          int movie = 0;
          for (int tries = 0; tries < 50 && (movie == 0 || seen.get(movie)); tries++) movie = inGroup ? zipfInGroup(random, movies, taste) : zipf(random, movies);
          if (seen.get(movie)) continue;
          seen.set(movie);
          double rating = inGroup ? 3.5 + random.nextInt(4) / 2.0 : 0.5 + random.nextInt(10) / 2.0;
          time += 1 + random.nextInt(86_400);
          line.setLength(0);
          line.append(u).append(',').append(movie).append(',').append(rating).append(',').append(time).append('\n');
          out.write(line.toString());
          written++;
        }
        if (u % 20_000 == 0) System.out.printf("  %,d users, %,d ratings%n", u, written);
      }
    }
    System.out.printf("wrote %,d ratings by %,d users of %,d movies to %s in %.1f s%n", written, u, movies, dir, (System.nanoTime() - started) / 1e9);
  }

  static int group(int movie) {
    return movie % GROUPS;
  }

  /** A movie id in 1..movies, low ids far more often (about Zipf: the cube of a uniform draw). */
  private static int zipf(SplittableRandom random, int movies) {
    return 1 + (int) Math.min(movies - 1, Math.floor(Math.pow(random.nextDouble(), 3) * movies));
  }

  /** The same within one taste group: the movies m with m % GROUPS == group. */
  private static int zipfInGroup(SplittableRandom random, int movies, int group) {
    int inGroup = movies / GROUPS;
    int j = (int) Math.min(inGroup - 1, Math.floor(Math.pow(random.nextDouble(), 3) * inGroup));
    int movie = j * GROUPS + group;
    return movie < 1 ? GROUPS : Math.min(movie, movies);
  }
}

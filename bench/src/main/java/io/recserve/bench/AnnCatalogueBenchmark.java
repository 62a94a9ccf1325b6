package io.recserve.bench;

import io.recserve.ann.MovieIndex;
import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the ANN search scales with the catalogue: top 10 by inner product with 50 rated movies filtered out, over
 * {@code movies} synthetic 64-d vectors in 100 clusters (as trained movie vectors cluster by taste), with
 * {@code candidates} HNSW candidates per search (0: k, Lucene's default). The setup prints, per size, the index build
 * time and recall@10 against an exact scan over 200 queries (the line starting "ANN"); JMH reports searches/s.
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar AnnCatalogueBenchmark -p movies=10000,100000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Threads(2)
public class AnnCatalogueBenchmark {
  static final int FACTORS = 64;
  static final int K = 10;
  static final int RATED = 50;
  static final int QUERIES = 200;

  @Param({"10000", "100000", "1000000"}) public int movies;
  @Param({"0", "100"}) public int candidates;

  private MovieIndex index;
  private float[][] users;
  private int[][] rated;
  private Path dir;

  @Setup(Level.Trial)
  public void build() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    float[][] centres = new float[100][FACTORS];
    for (float[] c : centres) for (int d = 0; d < FACTORS; d++) c[d] = (float) gaussian(random);
    int[] ids = new int[movies];
    float[] vectors = new float[movies * FACTORS];
    List<Movie> catalogue = new ArrayList<>(movies);
    for (int m = 0; m < movies; m++) {
      ids[m] = m + 1;
      float[] c = centres[random.nextInt(centres.length)];
      double length = 0.2 + random.nextDouble(); // popular movies have long vectors, as in ALS
      for (int d = 0; d < FACTORS; d++) vectors[m * FACTORS + d] = (float) (length * (c[d] + 0.5 * gaussian(random)) / 8);
      catalogue.add(new Movie(m + 1, "Movie " + (m + 1) + " (2000)", List.of("Genre" + (m % 20))));
    }
    MovieVectors movieVectors = new MovieVectors(FACTORS, ids, vectors, catalogue);
    users = new float[QUERIES][FACTORS];
    rated = new int[QUERIES][];
    for (int q = 0; q < QUERIES; q++) {
      float[] c = centres[random.nextInt(centres.length)];
      for (int d = 0; d < FACTORS; d++) users[q][d] = (float) (c[d] + 0.5 * gaussian(random));
      rated[q] = random.ints(RATED, 1, movies + 1).distinct().sorted().toArray(); // movie ids
    }
    dir = Files.createTempDirectory("ann-catalogue");
    long started = System.nanoTime();
    index = MovieIndex.openOrBuild(dir.resolve("1"), "bench-" + movies, movieVectors, MovieIndex.Hnsw.of(16, 100, 0), new PrintStream(OutputStream.nullOutputStream()));
    double buildSeconds = (System.nanoTime() - started) / 1e9;
    double recall = 0;
    for (int q = 0; q < QUERIES; q++) {
      int[] exact = exact(movieVectors, users[q], rated[q]);
      MovieIndex.Hit[] hits = index.search(users[q], K, rated[q], null, Math.max(K, candidates));
      int found = 0;
      for (MovieIndex.Hit h : hits) if (Arrays.stream(exact).anyMatch(p -> p == h.position())) found++;
      recall += found / (double) K;
    }
    System.out.printf(Locale.ROOT, "%nANN movies=%d candidates=%d build=%.1fs recall@10=%.3f%n", movies, candidates, buildSeconds, recall / QUERIES);
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    index.close();
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public Object searchTop10() throws Exception {
    int q = ThreadLocalRandom.current().nextInt(QUERIES);
    return index.search(users[q], K, rated[q], null, Math.max(K, candidates));
  }

  /** The positions of the exact top K by inner product, the rated ids left out (a movie's id is its position + 1). */
  private static int[] exact(MovieVectors movies, float[] user, int[] rated) {
    double[] best = new double[K];
    int[] at = new int[K];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    Arrays.fill(at, -1);
    float[] v = movies.vectors();
    for (int m = 0; m < movies.size(); m++) {
      if (Arrays.binarySearch(rated, m + 1) >= 0) continue;
      double s = 0;
      for (int d = 0; d < FACTORS; d++) s += user[d] * v[m * FACTORS + d];
      if (s <= best[K - 1]) continue;
      int i = K - 1;
      while (i > 0 && best[i - 1] < s) {
        best[i] = best[i - 1];
        at[i] = at[i - 1];
        i--;
      }
      best[i] = s;
      at[i] = m;
    }
    return at;
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}

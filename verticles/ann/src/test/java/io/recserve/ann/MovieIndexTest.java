package io.recserve.ann;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.model.store.TrainedModel;
import io.recserve.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieIndexTest {
  /** Two build threads: the movies are added by two threads and the two segments' graphs merged. */
  private static final MovieIndex.Hnsw HNSW = new MovieIndex.Hnsw(16, 100, 2);
  @TempDir Path dir;
  private final TrainedModel model = TestModels.random(10, 400, 16, 5);

  private MovieIndex index() throws Exception {
    return MovieIndex.openOrBuild(dir.resolve("1"), "id-1", model.movies(), HNSW, new PrintStream(new ByteArrayOutputStream()));
  }

  private int[] exactTop(int user, int k, Set<Integer> excluded) {
    return IntStream.rangeClosed(1, 400).boxed().filter(m -> !excluded.contains(m))
        .sorted(Comparator.comparingDouble((Integer m) -> -TestModels.score(model, user, m))).limit(k).mapToInt(Integer::intValue).toArray();
  }

  private static int[] ids(MovieIndex.Hit[] hits) {
    return Arrays.stream(hits).mapToInt(MovieIndex.Hit::movieId).toArray();
  }

  @Test
  void findsTheHighestInnerProductsBestFirstWithScoresInZeroOne() throws Exception {
    try (MovieIndex index = index()) {
      for (int user = 1; user <= 10; user++) {
        MovieIndex.Hit[] hits = index.search(model.users().vector(user - 1), 10, new int[0]);
        int[] expected = exactTop(user, 10, Set.of());
        long overlap = Arrays.stream(ids(hits)).filter(id -> Arrays.stream(expected).anyMatch(e -> e == id)).count();
        assertThat(overlap).as("recall@10 of user %d", user).isGreaterThanOrEqualTo(9);
        for (int i = 0; i < hits.length; i++) {
          assertThat(hits[i].score()).isStrictlyBetween(0.0, 1.0);
          if (i > 0) assertThat(hits[i].score()).isLessThanOrEqualTo(hits[i - 1].score());
        }
        io.vertx.core.json.JsonArray encoded = new io.vertx.core.json.JsonArray(index.encode(hits));
        assertThat(encoded.getJsonObject(0).getString("title")).isEqualTo("Movie " + hits[0].movieId());
        assertThat(encoded.getJsonObject(0).getDouble("score")).isEqualTo(hits[0].score());
      }
    }
  }

  /**
   * Found by a hostile run: a movie whose vector points as the asked one's came back with 1.0000001, above the
   * documented bound of 1. Here every movie has a twin pointing the same way (a different length), its nearest.
   */
  @Test
  void similarScoresStayWithinZeroOneForMoviesPointingTheSameWay() throws Exception {
    io.recserve.model.store.MovieVectors random = model.movies();
    int f = random.factors();
    float[] twins = new float[random.vectors().length];
    for (int m = 0; m < 400; m += 2) {
      for (int j = 0; j < f; j++) {
        twins[m * f + j] = random.vectors()[m * f + j];
        twins[(m + 1) * f + j] = random.vectors()[m * f + j] * (1.5f + m / 400f);
      }
    }
    io.recserve.model.store.MovieVectors vectors = new io.recserve.model.store.MovieVectors(f, random.ids(), twins, random.movies());
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("twins"), "id-twins", vectors, HNSW, new PrintStream(new ByteArrayOutputStream()))) {
      for (int movie = 1; movie <= 400; movie++) {
        for (MovieIndex.Hit hit : index.similar(movie, 3, io.recserve.serving.MovieCatalogue.Filter.NONE, 10)) {
          assertThat(hit.score()).as("movie %d, its neighbour %d", movie, hit.movieId()).isBetween(0.0, 1.0);
        }
      }
    }
  }

  @Test
  void excludedMoviesNeverComeBackAndKComeBackWhileKRemain() throws Exception {
    try (MovieIndex index = index()) {
      int[] exclude = IntStream.rangeClosed(1, 393).toArray(); // only 7 movies remain
      MovieIndex.Hit[] hits = index.search(model.users().vector(0), 10, exclude);
      assertThat(ids(hits)).containsExactlyInAnyOrder(394, 395, 396, 397, 398, 399, 400);
      Set<Integer> excluded = new HashSet<>();
      for (int m = 1; m <= 200; m++) excluded.add(m);
      int[] some = excluded.stream().mapToInt(Integer::intValue).toArray();
      MovieIndex.Hit[] rest = index.search(model.users().vector(1), 20, some);
      assertThat(rest).hasSize(20);
      assertThat(Arrays.stream(ids(rest)).boxed().toList()).allMatch(id -> id > 200);
    }
  }

  /**
   * A few excluded movies (a user's ratings: here under a tenth of the index) are skipped inside the HNSW walk rather
   * than through a filter over the whole index: the user's own best movies never come back, ids the version does not
   * know are ignored, and the rest is still the best that remains. 3,000 movies, so that each of the two build
   * threads' segments gets a graph (Lucene searches a segment of fewer than about 650 vectors exactly) and the merge
   * joins them. With 100 candidates, as a large catalogue is served.
   */
  @Test
  void aFewExcludedMoviesAreLeftOutOfTheBestThatRemain() throws Exception {
    int movies = 3_000;
    TrainedModel large = TestModels.random(10, movies, 16, 9);
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("large"), "id-large", large.movies(), HNSW, new PrintStream(new ByteArrayOutputStream()))) {
      for (int user = 1; user <= 10; user++) {
        int u = user;
        Comparator<Integer> best = Comparator.comparingDouble((Integer m) -> -TestModels.score(large, u, m));
        Set<Integer> excluded = new HashSet<>();
        IntStream.rangeClosed(1, movies).boxed().sorted(best).limit(8).forEach(excluded::add); // they would head the answer
        for (int id = 3; id <= movies; id += 97) excluded.add(id);
        int[] exclude = IntStream.concat(excluded.stream().mapToInt(Integer::intValue), IntStream.of(99_999)).toArray();
        MovieIndex.Hit[] hits = index.search(large.users().vector(user - 1), 10, exclude, null, 100); // ann.search-candidates 100
        assertThat(hits).hasSize(10);
        assertThat(Arrays.stream(ids(hits)).boxed().toList()).as("user %d", user).noneMatch(excluded::contains);
        Set<Integer> expected = IntStream.rangeClosed(1, movies).boxed().filter(m -> !excluded.contains(m)).sorted(best).limit(10)
            .collect(java.util.stream.Collectors.toSet());
        long overlap = Arrays.stream(ids(hits)).filter(expected::contains).count();
        assertThat(overlap).as("recall@10 of user %d", user).isGreaterThanOrEqualTo(9);
      }
    }
  }

  /**
   * Movie ids map to doc ids through a table when they are dense (MovieLens) and through the sorted ids when they are
   * not (here up to 4 × 10^8): either way excluded movies never come back, through the walk (a few) and through the
   * filter (most of the index), and ids the version does not hold, negative or beyond the largest, are ignored.
   */
  @Test
  void excludedMoviesAreLeftOutWhetherTheIdsAreDenseOrSparse() throws Exception {
    int[] sparse = IntStream.rangeClosed(1, 400).map(i -> i * 1_000_003).toArray();
    java.util.List<io.recserve.model.movielens.Movie> movies = Arrays.stream(sparse)
        .mapToObj(id -> new io.recserve.model.movielens.Movie(id, "Movie " + id, java.util.List.of("Drama"))).toList();
    io.recserve.model.store.MovieVectors sparseVectors = new io.recserve.model.store.MovieVectors(16, sparse, model.movies().vectors(), movies);
    assertThat(MovieIndex.denseTable(sparse, new int[sparse.length])).as("a table for sparse ids").isNull();
    assertThat(MovieIndex.denseTable(model.movies().ids(), new int[400])).as("a table for MovieLens-like ids").isNotNull();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    try (MovieIndex dense = index();
        MovieIndex sparseIndex = MovieIndex.openOrBuild(dir.resolve("sparse"), "id-sparse", sparseVectors, HNSW, quiet)) {
      for (int[] ids : new int[][] {model.movies().ids(), sparse}) {
        MovieIndex index = ids == sparse ? sparseIndex : dense;
        int[] few = {ids[0], ids[5], ids[399], -7, 12_345, Integer.MAX_VALUE};
        MovieIndex.Hit[] hits = index.search(model.users().vector(0), 20, few);
        assertThat(hits).hasSize(20);
        assertThat(Arrays.stream(ids(hits)).boxed().toList()).noneMatch(id -> id == ids[0] || id == ids[5] || id == ids[399]);
        int[] most = IntStream.concat(Arrays.stream(ids, 0, 393), IntStream.of(-7, Integer.MAX_VALUE)).toArray(); // 7 remain
        assertThat(ids(index.search(model.users().vector(1), 10, most))).containsExactlyInAnyOrder(Arrays.copyOfRange(ids, 393, 400));
      }
    }
  }

  /**
   * A user who rated a third of the catalogue (beyond the tenth the walk leaves out itself) gets exactly the best of
   * the movies left: the accepted movies are few enough for an exact pass, and no rated movie comes back.
   */
  @Test
  void aUserWhoRatedMuchOfTheCatalogueGetsExactlyTheBestOfTheRest() throws Exception {
    try (MovieIndex index = index()) {
      for (int user = 1; user <= 10; user++) {
        int u = user;
        Set<Integer> rated = new HashSet<>();
        IntStream.rangeClosed(1, 400).boxed().sorted(Comparator.comparingDouble((Integer m) -> -TestModels.score(model, u, m))).limit(60).forEach(rated::add);
        for (int m = user; m <= 400; m += 5) rated.add(m);
        int[] exclude = rated.stream().mapToInt(Integer::intValue).toArray();
        assertThat(exclude.length).isGreaterThan(400 / 10);
        assertThat(ids(index.search(model.users().vector(user - 1), 10, exclude))).as("user %d", user).containsExactly(exactTop(user, 10, rated));
      }
    }
  }

  /** A search on an index closed under it (a retired version, a node stopping) says so, which the ANN verticle answers as not loaded (503, tried on another node). */
  @Test
  void aSearchOnAClosedIndexSaysItIsClosed() throws Exception {
    MovieIndex index = index();
    index.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.search(model.users().vector(0), 10, new int[0]))
        .isInstanceOf(org.apache.lucene.store.AlreadyClosedException.class)
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(AnnVerticle.closedUnder(new RuntimeException(e))).isTrue());
  }

  @Test
  void scoreMappingIsMonotone() {
    // Lucene's max-inner-product score for dot products -3, -1, 0, 0.5, 4
    float[] lucene = {1 / 4f, 1 / 2f, 1f, 1.5f, 5f};
    double previous = 0;
    for (float s : lucene) {
      double score = MovieIndex.score(s);
      assertThat(score).isStrictlyBetween(previous, 1.0);
      previous = score;
    }
    assertThat(MovieIndex.score(1f)).isEqualTo(0.5);
  }

  @Test
  void reopensAnIndexBuiltBefore() throws Exception {
    float[] query = model.users().vector(2);
    int[] first;
    try (MovieIndex index = index()) {
      first = ids(index.search(query, 5, new int[0]));
    }
    try (MovieIndex again = index()) {
      assertThat(ids(again.search(query, 5, new int[0]))).containsExactly(first);
    }
  }

  /**
   * A build that fails part-way (here one movie's vector is not finite, which Lucene refuses while the other build
   * thread is still adding) says why, commits nothing and leaves no staging folder behind.
   */
  @Test
  void aFailedBuildLeavesNothingBehind() throws Exception {
    TrainedModel large = TestModels.random(10, 3_000, 16, 9);
    float[] vectors = large.movies().vectors().clone();
    vectors[2_000 * 16] = Float.NaN;
    io.recserve.model.store.MovieVectors broken = new io.recserve.model.store.MovieVectors(16, large.movies().ids(), vectors, large.movies().movies());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MovieIndex.openOrBuild(dir.resolve("bad").resolve("1"), "id-bad", broken, HNSW,
            new PrintStream(new ByteArrayOutputStream())))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("ann index build failed")
        .rootCause().hasMessageContaining("finite");
    try (var left = java.nio.file.Files.list(dir.resolve("bad"))) {
      assertThat(left.toList()).as("what the failed build left").isEmpty();
    }
  }

  @Test
  void anIndexOfAnotherVersionOrFormatIsRebuiltNotReopened() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-1", model.movies(), HNSW, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(400);
    }
    TrainedModel other = TestModels.random(10, 250, 16, 6);
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-other", other.movies(), HNSW, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(250);
      assertThat(ids(index.search(other.users().vector(0), 250, new int[0]))).hasSize(250);
    }
    assertThat(log.toString()).contains("built from another model version or format; rebuilding");
    // A marker of an older format: rebuilt too.
    java.nio.file.Path marker = dir.resolve("1").resolve(MovieIndex.MARKER);
    java.nio.file.Files.writeString(marker, java.nio.file.Files.readString(marker).replace("format=" + MovieIndex.FORMAT, "format=1"));
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-other", other.movies(), HNSW, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(250);
    }
    assertThat(java.nio.file.Files.readString(marker)).contains("format=" + MovieIndex.FORMAT);
  }
}

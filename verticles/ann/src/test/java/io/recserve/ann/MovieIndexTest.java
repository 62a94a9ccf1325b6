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
  @TempDir Path dir;
  private final TrainedModel model = TestModels.random(10, 400, 16, 5);

  private MovieIndex index() throws Exception {
    return MovieIndex.openOrBuild(dir.resolve("1"), "id-1", model.movies(), 16, 100, new PrintStream(new ByteArrayOutputStream()));
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

  @Test
  void anIndexOfAnotherVersionOrFormatIsRebuiltNotReopened() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-1", model.movies(), 16, 100, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(400);
    }
    TrainedModel other = TestModels.random(10, 250, 16, 6);
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-other", other.movies(), 16, 100, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(250);
      assertThat(ids(index.search(other.users().vector(0), 250, new int[0]))).hasSize(250);
    }
    assertThat(log.toString()).contains("built from another model version or format; rebuilding");
    // A marker of an older format: rebuilt too.
    java.nio.file.Path marker = dir.resolve("1").resolve(MovieIndex.MARKER);
    java.nio.file.Files.writeString(marker, java.nio.file.Files.readString(marker).replace("format=" + MovieIndex.FORMAT, "format=1"));
    try (MovieIndex index = MovieIndex.openOrBuild(dir.resolve("1"), "id-other", other.movies(), 16, 100, new PrintStream(log))) {
      assertThat(index.size()).isEqualTo(250);
    }
    assertThat(java.nio.file.Files.readString(marker)).contains("format=" + MovieIndex.FORMAT);
  }
}

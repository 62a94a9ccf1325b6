package io.recserve.model.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModelRepositoryTest {
  @TempDir Path dir;

  static TrainedModel tiny(float scale) {
    List<Movie> movies = List.of(new Movie(10, "Ten", List.of("Drama")), new Movie(20, "Twenty, \"2\"", List.of()));
    return new TrainedModel(new AlsParams(2, 0.1, 1, 1, 1, 1),
        new UserVectors(2, new int[] {1, 2}, new float[] {scale, 0, 0, scale}, new int[][] {{10}, {}}),
        new MovieVectors(2, new int[] {10, 20}, new float[] {1, 2, 3, 4}, movies));
  }

  @Test
  void modelVersionsRoundTripAndBecomeCurrentAtomically() {
    FileModelRepository repo = new FileModelRepository(dir);
    assertThat(repo.current()).isEmpty();
    long v1 = repo.saveModel(tiny(1));
    long v2 = repo.saveModel(tiny(2));
    assertThat(v2).isEqualTo(v1 + 1);
    assertThat(repo.current()).isEmpty();
    repo.makeCurrent(v2);
    assertThat(repo.current()).hasValue(v2);
    TrainedModel back = repo.loadModel(v2);
    assertThat(back.users().vectors()).containsExactly(2, 0, 0, 2);
    assertThat(back.users().rated()[0]).containsExactly(10);
    assertThat(back.movies().movies().get(1).title()).isEqualTo("Twenty, \"2\"");
    repo.saveEvaluation(v2, new JsonObject().put("k", 10));
    assertThat(repo.versions()).extracting(ModelVersionInfo::version, ModelVersionInfo::current)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(v1, false), org.assertj.core.groups.Tuple.tuple(v2, true));
    repo.makeCurrent(v1); // rollback
    assertThat(repo.current()).hasValue(v1);
  }

  @Test
  void failedWriteLeavesNoVersionAndKeepsCurrent() throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    long v1 = repo.saveModel(tiny(1));
    repo.makeCurrent(v1);
    TrainedModel broken = new TrainedModel(new AlsParams(2, 0.1, 1, 1, 1, 1),
        new UserVectors(2, new int[] {1}, new float[] {1, 1}, new int[][] {{10}}),
        new MovieVectors(2, new int[] {10, 20}, new float[] {1, 2, 3, 4}, List.of(new Movie(10, "Ten", List.of())))); // one title missing
    assertThatThrownBy(() -> repo.saveModel(broken)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(repo.current()).hasValue(v1);
    assertThat(repo.versions()).hasSize(1);
    try (var files = Files.list(repo.modelsDir())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("1", "CURRENT");
    }
    assertThatThrownBy(() -> repo.makeCurrent(7)).hasMessageContaining("no model version 7");
    assertThat(repo.current()).hasValue(v1);
  }

  @Test
  void importingTwiceReplacesTheDataSet() {
    FileModelRepository repo = new FileModelRepository(dir);
    Ratings r = new Ratings();
    r.add(1, 10, 4, 5);
    repo.saveDataset(new MovieLensData(List.of(new Movie(10, "Ten", List.of("A"))), r), "first");
    Ratings r2 = new Ratings();
    r2.add(1, 10, 3, 6);
    r2.add(2, 10, 5, 7);
    repo.saveDataset(new MovieLensData(List.of(new Movie(10, "Ten", List.of("A"))), r2), "second");
    MovieLensData back = repo.loadDataset();
    assertThat(back.ratings().size()).isEqualTo(2);
    assertThat(back.ratings().rating(0)).isEqualTo(3f);
    assertThat(back.movies()).containsExactly(new Movie(10, "Ten", List.of("A")));
  }
}

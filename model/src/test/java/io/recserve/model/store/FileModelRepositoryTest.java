package io.recserve.model.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
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
    repo.saveEvaluation(v2, java.util.Map.of("k", 10));
    assertThat(repo.versions()).extracting(ModelVersionInfo::version, ModelVersionInfo::current)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(v1, false), org.assertj.core.groups.Tuple.tuple(v2, true));
    repo.makeCurrent(v1); // rollback
    assertThat(repo.current()).hasValue(v1);
  }

  /** Found by a hostile run: one damaged manifest stopped every start (the list of versions threw). */
  @Test
  void aVersionWithADamagedManifestIsLeftOutOfTheListAndADamagedEvaluationCountsAsNone() throws Exception {
    FileModelRepository repo = new FileModelRepository(dir);
    long v1 = repo.saveModel(tiny(1));
    long v2 = repo.saveModel(tiny(2));
    long v3 = repo.saveModel(tiny(3));
    repo.makeCurrent(v3);
    repo.saveEvaluation(v2, java.util.Map.of("k", 10));
    Files.writeString(dir.resolve("models").resolve(Long.toString(v1)).resolve(ModelFiles.MANIFEST), "{\"model_version\": 1, \"broken");
    Files.writeString(dir.resolve("models").resolve(Long.toString(v2)).resolve(ModelFiles.EVALUATION), "{\"k\": ");
    assertThat(repo.versions()).extracting(ModelVersionInfo::version, ModelVersionInfo::evaluation, ModelVersionInfo::current)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(v2, null, false), org.assertj.core.groups.Tuple.tuple(v3, null, true));
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
  void eachVersionGetsItsOwnIdAndARecreatedFolderNumbersFromOneWithNewIds(@TempDir Path other) {
    FileModelRepository repo = new FileModelRepository(dir);
    long v1 = repo.saveModel(tiny(1));
    repo.makeCurrent(v1);
    VersionRef first = repo.currentRef().orElseThrow();
    assertThat(first.number()).isEqualTo(1);
    assertThat(java.util.UUID.fromString(first.id())).isNotNull();
    assertThat(FileModelRepository.readCurrentRef(repo.modelsDir())).hasValue(first);
    FileModelRepository recreated = new FileModelRepository(other);
    recreated.makeCurrent(recreated.saveModel(tiny(1)));
    VersionRef again = recreated.currentRef().orElseThrow();
    assertThat(again.number()).isEqualTo(1);
    assertThat(again.id()).isNotEqualTo(first.id());
    assertThat(repo.versions().get(0).id()).isEqualTo(first.id());
  }

  @Test
  void pruningKeepsTheNewestAndTheCurrentAndRefusesToPublishAPrunedVersionClearly() {
    FileModelRepository repo = new FileModelRepository(dir);
    for (int i = 0; i < 6; i++) repo.saveModel(tiny(i));
    repo.makeCurrent(2);
    assertThat(repo.prune(3)).containsExactly(1L, 3L);
    assertThat(repo.versions()).extracting(ModelVersionInfo::version).containsExactly(2L, 4L, 5L, 6L);
    assertThat(Files.exists(repo.versionDir(1))).isFalse();
    assertThatThrownBy(() -> repo.makeCurrent(3)).hasMessageContaining("model version 3 was pruned").hasMessageContaining("[2, 4, 5, 6]");
    assertThat(repo.current()).hasValue(2);
    assertThat(repo.saveModel(tiny(9))).as("numbers are never given twice").isEqualTo(7);
    assertThat(repo.prune(3)).containsExactly(4L);
  }

  @Test
  void filesOfTheFirstFormatAreStillReadAndUnknownFormatsAreRefused() throws Exception {
    Path v = dir.resolve("models/1");
    Files.createDirectories(v);
    try (var out = new java.io.DataOutputStream(Files.newOutputStream(v.resolve(ModelFiles.USERS)))) {
      out.writeInt(0x52435356); // "RCSV": format 1, big-endian, before format numbers
      out.writeInt(1); // users
      out.writeInt(2); // factors
      out.writeInt(7);
      out.writeFloat(0.5f);
      out.writeFloat(-1f);
      out.writeInt(1);
      out.writeInt(10);
    }
    Files.writeString(v.resolve(ModelFiles.MANIFEST), "{\"version\": 1, \"created_at\": \"2026-01-01T00:00:00Z\", \"params\": {}, \"users\": 1, \"movies\": 0}");
    UserVectors users = ModelFiles.readUsers(v);
    assertThat(users.ids()).containsExactly(7);
    assertThat(users.vectors()).containsExactly(0.5f, -1f);
    assertThat(users.rated()[0]).containsExactly(10);
    assertThat(ModelFiles.ref(v).id()).as("a stable id for a version written before ids").isEqualTo(ModelFiles.ref(v).id());
    try (var out = Files.newOutputStream(v.resolve(ModelFiles.USERS))) {
      out.write(new byte[] {'R', 'C', 'S', '2', 9, 0, 0, 0});
    }
    assertThatThrownBy(() -> ModelFiles.readUsers(v)).hasMessageContaining("format 9 is newer");
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

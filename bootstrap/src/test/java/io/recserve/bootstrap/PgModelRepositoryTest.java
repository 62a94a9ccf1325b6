package io.recserve.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.store.ModelVersionInfo;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.TrainedModel;
import io.recserve.model.store.UserVectors;
import io.recserve.testing.TestServices;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the real PostgreSQL, in a schema of its own. */
class PgModelRepositoryTest {
  private String schema;
  private PgModelRepository repo;

  @BeforeEach
  void setUp() {
    schema = TestServices.freshSchema();
    repo = new PgModelRepository(TestServices.postgresUrl(), schema);
  }

  static MovieLensData data(int ratings) {
    Ratings r = new Ratings();
    for (int i = 0; i < ratings; i++) r.add(1 + i % 3, 10 * (1 + i % 2), 4, i);
    return new MovieLensData(List.of(new Movie(10, "Ten, \"The\" (1999)", List.of("Drama", "Sci-Fi")), new Movie(20, "Twenty", List.of())), r);
  }

  static TrainedModel model(float scale) {
    return new TrainedModel(new AlsParams(2, 0.1, 1, 1, 1, 1),
        new UserVectors(2, new int[] {1, 2}, new float[] {scale, 0.5f, -1, 2}, new int[][] {{10, 20}, {}}),
        new MovieVectors(2, new int[] {10, 20}, new float[] {1, 2, 3, 4}, data(0).movies()));
  }

  @Test
  void migratesAnEmptySchemaThenFindsNothingToDo() {
    int migrations = repo.migrate();
    assertThat(migrations).isGreaterThanOrEqualTo(2);
    assertThat(repo.migrate()).isZero();
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".flyway_schema_history where success")).isEqualTo(migrations);
  }

  @Test
  void importReplacesWithoutDuplicatesAndAFailedImportKeepsThePreviousData() {
    repo.migrate();
    repo.saveDataset(data(5), "first");
    repo.saveDataset(data(7), "second");
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".ratings")).isEqualTo(7);
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".movies")).isEqualTo(2);
    MovieLensData bad = new MovieLensData(List.of(new Movie(10, "Ten", List.of())), data(3).ratings()); // ratings of movie 20 break the FK
    assertThatThrownBy(() -> repo.saveDataset(bad, "bad")).hasMessageContaining("PostgreSQL");
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".ratings")).isEqualTo(7);
    MovieLensData back = repo.loadDataset();
    assertThat(back.movies()).contains(new Movie(10, "Ten, \"The\" (1999)", List.of("Drama", "Sci-Fi")));
    assertThat(back.ratings().size()).isEqualTo(7);
  }

  @Test
  void versionsRoundTripPublishAndRollBack() {
    repo.migrate();
    long v1 = repo.saveModel(model(1));
    long v2 = repo.saveModel(model(2));
    assertThat(repo.current()).isEmpty();
    repo.makeCurrent(v2);
    assertThat(repo.current()).hasValue(v2);
    TrainedModel back = repo.loadModel(v2);
    assertThat(back.users().vectors()).containsExactly(2, 0.5f, -1, 2);
    assertThat(back.users().rated()[0]).containsExactly(10, 20);
    assertThat(back.movies().movies().get(0).genres()).containsExactly("Drama", "Sci-Fi");
    repo.saveEvaluation(v2, java.util.Map.of("ndcg_lift", 1.5));
    assertThat(repo.versions()).extracting(ModelVersionInfo::current).containsExactly(false, true);
    assertThat(repo.versions().get(1).evaluation().get("ndcg_lift")).isEqualTo(1.5);
    assertThat(repo.currentRef().orElseThrow().id()).isEqualTo(repo.versions().get(1).id()).isNotEqualTo(repo.versions().get(0).id());
    repo.makeCurrent(v1);
    assertThat(repo.current()).hasValue(v1);
    assertThatThrownBy(() -> repo.makeCurrent(99)).hasMessageContaining("no model version 99");
    assertThat(repo.current()).hasValue(v1);
  }

  @Test
  void pruningDeletesTheVectorsOfOldVersionsAndPublishingOneFailsClearly() {
    repo.migrate();
    for (int i = 0; i < 5; i++) repo.saveModel(model(i));
    repo.makeCurrent(1);
    assertThat(repo.prune(2)).containsExactly(2L, 3L);
    assertThat(repo.versions()).extracting(ModelVersionInfo::version).containsExactly(1L, 4L, 5L);
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".user_embeddings where version in (2, 3)")).isZero();
    assertThat(TestServices.queryLong("select count(*) from " + schema + ".user_embeddings where version = 4")).isPositive();
    assertThatThrownBy(() -> repo.makeCurrent(3)).hasMessageContaining("model version 3 was pruned").hasMessageContaining("[1, 4, 5]");
    assertThat(repo.current()).hasValue(1);
    assertThat(repo.loadModel(4).users().size()).isPositive();
  }

  @Test
  void theUrlsPasswordAndSslModeReachTheDriver() {
    var settings = io.recserve.serving.PgSettings.parse("postgresql://app:s%40cret@db.example:6543/recs?sslmode=require", "s1");
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/recs");
    var p = settings.jdbcProperties("t");
    assertThat(p.getProperty("user")).isEqualTo("app");
    assertThat(p.getProperty("password")).isEqualTo("s@cret");
    assertThat(p.getProperty("sslmode")).isEqualTo("require");
    assertThat(p.getProperty("currentSchema")).isEqualTo("s1");
    assertThat(settings.display()).isEqualTo("postgresql://app:***@db.example:6543/recs (schema s1)").doesNotContain("cret");
    var bare = io.recserve.serving.PgSettings.parse("postgresql://127.0.0.1/test", "public");
    assertThat(bare.jdbcProperties("t").getProperty("user")).isEqualTo("postgres");
    assertThat(bare.jdbcProperties("t").getProperty("password")).isNull();
    assertThat(bare.options().getPort()).isEqualTo(5432);
  }
}

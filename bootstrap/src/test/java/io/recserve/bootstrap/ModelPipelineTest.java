package io.recserve.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.eval.Evaluation;
import io.recserve.testing.MovieLensFixtures;
import io.recserve.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPipelineTest {
  @TempDir Path dir;

  static JsonObject config(Path dataDir) {
    return new JsonObject()
        .put("data", new JsonObject().put("dir", dataDir.toString()))
        .put("pg", new JsonObject().put("url", "").put("schema", "public"))
        .put("als", new JsonObject().put("factors", 64).put("regularization", 30.0).put("alpha", 1.0).put("iterations", 15).put("seed", 42))
        .put("evaluation", new JsonObject().put("k", 10).put("holdout", 0.2).put("min-ratings", 5));
  }

  @Test
  void allOnMovieLensBeatsPopularityAndASecondRunOnlyAddsAVersion() throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (ModelPipeline pipeline = new ModelPipeline(config(dir), new PrintStream(text, true))) {
      long first = pipeline.all(MovieLensFixtures.latestSmall().toString());
      Evaluation evaluation = pipeline.evaluate(first);
      assertThat(evaluation.row("als").ndcg()).isGreaterThanOrEqualTo(1.3 * evaluation.row("popularity").ndcg());
      assertThat(text.toString()).contains("| als |").contains("| popularity |").contains("9,742 movies and 100,836 ratings");
      long second = pipeline.all(MovieLensFixtures.latestSmall().toString());
      assertThat(second).isEqualTo(first + 1);
      assertThat(pipeline.repository().versions()).hasSize(2);
      assertThat(pipeline.repository().current()).hasValue(second);
      assertThat(pipeline.repository().loadDataset().ratings().size()).isEqualTo(100_836);
      assertThat(pipeline.repository().versions().get(0).evaluation().get("ndcg_lift")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.DOUBLE).isGreaterThan(1.3);
    }
  }

  @Test
  void aFailedImportKeepsThePublishedModelAndData() throws Exception {
    Path good = MovieLensFixtures.plantedCsv(dir.resolve("good"), 60, 80, 4, 15, 1);
    try (ModelPipeline pipeline = new ModelPipeline(config(dir.resolve("data")).put("als", new JsonObject().put("factors", 8).put("iterations", 3)),
        new PrintStream(new ByteArrayOutputStream()))) {
      long version = pipeline.all(good.toString());
      Path bad = Files.createDirectories(dir.resolve("bad"));
      Files.copy(good.resolve("movies.csv"), bad.resolve("movies.csv"));
      Files.writeString(bad.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4,1\n2,2,oops,2\n");
      assertThatThrownBy(() -> pipeline.importData(bad.toString())).hasMessage("ratings.csv line 3: rating 'oops' is not a number");
      assertThat(pipeline.repository().current()).hasValue(version);
      assertThat(pipeline.repository().loadDataset().ratings().size()).isEqualTo(60 * 15);
    }
  }

  @Test
  void runsIntoPostgres() throws Exception {
    String schema = TestServices.freshSchema();
    JsonObject config = config(dir).put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("als", new JsonObject().put("factors", 8).put("iterations", 3));
    Path data = MovieLensFixtures.plantedCsv(dir.resolve("ml"), 50, 60, 3, 12, 2);
    try (ModelPipeline pipeline = new ModelPipeline(config, new PrintStream(new ByteArrayOutputStream()))) {
      long version = pipeline.all(data.toString());
      assertThat(TestServices.queryLong("select version from " + schema + ".model_current")).isEqualTo(version);
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".user_embeddings where version = " + version)).isEqualTo(50);
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".ratings")).isEqualTo(50 * 12);
      pipeline.all(data.toString());
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".ratings")).isEqualTo(50 * 12);
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".model_versions")).isEqualTo(2);
    }
  }
}

package io.recserve.bench;

import io.recserve.ann.MovieIndex;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.ImplicitAls;
import io.recserve.model.als.Interactions;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.store.TrainedModel;
import java.nio.file.Files;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** One /recommend's Lucene work: top 10 by inner product for a MovieLens user, the user's rated movies filtered out. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Threads(2)
public class AnnSearchBenchmark {
  private MovieIndex index;
  private TrainedModel model;

  @Setup
  public void build() throws Exception {
    MovieLensData data = MovieLensSmall.load();
    AlsParams params = AlsParams.DEFAULTS;
    model = TrainedModel.of(params, ImplicitAls.train(Interactions.of(data.ratings()), params, (i, l, s) -> {}), data.movies());
    index = MovieIndex.openOrBuild(Files.createTempDirectory("ann-bench").resolve("1"), "bench", model.movies(), MovieIndex.Hnsw.of(16, 100, 0), System.out);
  }

  @TearDown
  public void close() throws Exception {
    index.close();
  }

  @Benchmark
  public Object searchTop10() throws Exception {
    int u = ThreadLocalRandom.current().nextInt(model.users().size());
    return index.search(model.users().vector(u), 10, model.users().rated()[u]);
  }
}

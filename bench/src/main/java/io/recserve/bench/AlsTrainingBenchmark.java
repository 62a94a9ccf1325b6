package io.recserve.bench;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.ImplicitAls;
import io.recserve.model.als.Interactions;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Implicit ALS, 64 factors x 15 iterations on ml-latest-small, on every core: one whole training per operation. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class AlsTrainingBenchmark {
  @Param({"64"}) int factors;
  @Param({"15"}) int iterations;
  private Interactions data;

  @Setup
  public void load() {
    data = Interactions.of(MovieLensSmall.load().ratings());
  }

  @Benchmark
  public AlsModel train() {
    AlsParams d = AlsParams.DEFAULTS;
    return ImplicitAls.train(data, new AlsParams(factors, d.regularization(), d.alpha(), iterations, d.seed(), d.threads()), (i, l, s) -> {});
  }
}

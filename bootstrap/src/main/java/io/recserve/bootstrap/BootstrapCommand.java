package io.recserve.bootstrap;

import io.recserve.model.Json;
import io.recserve.model.store.ModelVersionInfo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bootstrap}: the command line that builds, evaluates and publishes models. */
@Command(name = "bootstrap", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
    description = "Create the schema, import MovieLens, train, evaluate and publish model versions, one step each.",
    subcommands = {BootstrapCommand.Migrate.class, BootstrapCommand.Import.class, BootstrapCommand.Train.class,
        BootstrapCommand.Evaluate.class, BootstrapCommand.Publish.class, BootstrapCommand.All.class,
        BootstrapCommand.Versions.class, BootstrapCommand.Rollback.class, BootstrapCommand.Prune.class})
public final class BootstrapCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 2;
  }

  public static int run(String... args) {
    return CommandFailures.install(new CommandLine(new BootstrapCommand())).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Options every step shares: which configuration, which store. */
  public static final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (default conf/recserve.yaml, or RECSERVE_CONFIG)")
    String configFile;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "embedded data folder (overrides data.dir / RECSERVE_DATA_DIR)")
    String dataDir;
    @Option(names = "--pg-url", paramLabel = "URL", description = "postgresql://user@host:port/db: use PostgreSQL (overrides RECSERVE_PG_URL)")
    String pgUrl;

    /** The configuration with these options laid over it. */
    public JsonObject load() {
      Vertx vertx = Vertx.vertx();
      try {
        JsonObject config = RecserveConfig.load(vertx, configFile).await();
        if (dataDir != null) config.getJsonObject("data").put("dir", dataDir);
        if (pgUrl != null) config.getJsonObject("pg").put("url", pgUrl);
        return config;
      } finally {
        vertx.close().await();
      }
    }

    ModelPipeline pipeline() {
      return new ModelPipeline(load(), System.out);
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Create or upgrade the PostgreSQL schema (Flyway).")
  static final class Migrate implements Callable<Integer> {
    @Mixin StoreOptions store;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        p.migrate();
      }
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Load MovieLens ratings and movies, replacing what was imported before.")
  static final class Import implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--movielens", paramLabel = "DIR|RELEASE", description = "MovieLens folder, or a release name to download (default: movielens in the configuration)")
    String movielens;

    public Integer call() throws Exception {
      try (ModelPipeline p = store.pipeline()) {
        p.importData(movielens);
      }
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Fit implicit ALS on the imported ratings; stores a new model version.")
  static final class Train implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--factors", description = "latent factors per user and movie (default: als.factors, 64)") Integer factors;
    @Option(names = "--regularization", description = "L2 regularization (default: als.regularization)") Double regularization;
    @Option(names = "--alpha", description = "confidence per rating point (default: als.alpha)") Double alpha;
    @Option(names = "--iterations", description = "ALS sweeps (default: als.iterations)") Integer iterations;
    @Option(names = "--seed", description = "random seed of the initial vectors (default: als.seed)") Long seed;
    @Option(names = "--solver", paramLabel = "cg|cholesky", description = "row solver: cg (conjugate gradient, fast) or cholesky (exact) (default: als.solver, cg)") String solver;
    @Option(names = "--cg-steps", description = "conjugate-gradient steps per row (default: als.cg-steps, 3)") Integer cgSteps;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        var d = p.params();
        var params = new io.recserve.model.als.AlsParams(factors != null ? factors : d.factors(),
            regularization != null ? regularization : d.regularization(), alpha != null ? alpha : d.alpha(),
            iterations != null ? iterations : d.iterations(), seed != null ? seed : d.seed(), d.threads(),
            solver != null ? io.recserve.model.als.AlsParams.Solver.of(solver) : d.solver(), cgSteps != null ? cgSteps : d.cgSteps());
        p.train(params);
      }
      return 0;
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Offline quality of a version against the popularity baseline.")
  static final class Evaluate implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--model-version", paramLabel = "N", description = "model version (default: the newest)") Long version;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        p.evaluate(version != null ? version : p.latestVersion());
      }
      return 0;
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Make a model version the one served.")
  static final class Publish implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--model-version", paramLabel = "N", description = "model version (default: the newest)") Long version;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        p.publish(version != null ? version : p.latestVersion());
      }
      return 0;
    }
  }

  @Command(name = "all", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "migrate, import, train, evaluate and publish, in order.")
  static final class All implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--movielens", paramLabel = "DIR|RELEASE", description = "MovieLens folder, or a release name to download (default: movielens in the configuration)")
    String movielens;

    public Integer call() throws Exception {
      try (ModelPipeline p = store.pipeline()) {
        p.all(movielens);
      }
      return 0;
    }
  }

  @Command(name = "versions", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "List the stored model versions.")
  static final class Versions implements Callable<Integer> {
    @Mixin StoreOptions store;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        System.out.println("version  current  id        created               users  movies  NDCG@10  params");
        for (ModelVersionInfo v : p.repository().versions()) {
          String ndcg = v.evaluation() == null ? "-" : String.format(Locale.ROOT, "%.4f", ndcg(v.evaluation()));
          String created = v.createdAt().length() > 19 ? v.createdAt().substring(0, 19) + "Z" : v.createdAt();
          System.out.println(String.format(Locale.ROOT, "%7d  %-7s  %-8s  %-20s  %5d  %6d  %7s  %s", v.version(), v.current() ? "*" : "",
              v.id().substring(0, 8), created, v.users(), v.movies(), ndcg, Json.write(v.params())));
        }
      }
      return 0;
    }
  }

  /** NDCG of the model's row (the first) of a stored evaluation. */
  @SuppressWarnings("unchecked")
  static double ndcg(java.util.Map<String, Object> evaluation) {
    var rows = (java.util.List<java.util.Map<String, Object>>) evaluation.get("rows");
    return ((Number) rows.get(0).get("ndcg")).doubleValue();
  }

  @Command(name = "prune", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Delete the vectors of old versions, keeping the newest model.keep-versions and the current one.")
  static final class Prune implements Callable<Integer> {
    @Mixin StoreOptions store;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        if (p.prune().isEmpty()) System.out.println("prune: nothing to remove");
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
      description = "Make an older model version current again (default: the one before the current).")
  static final class Rollback implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Option(names = "--to", paramLabel = "N", description = "model version to serve") Long to;

    public Integer call() {
      try (ModelPipeline p = store.pipeline()) {
        long target;
        if (to != null) {
          target = to;
        } else {
          long current = p.repository().current().orElseThrow(() -> new IllegalStateException("no version is current"));
          target = p.repository().versions().stream().mapToLong(ModelVersionInfo::version).filter(v -> v < current).max()
              .orElseThrow(() -> new IllegalStateException("no version older than " + current));
        }
        p.publish(target);
      }
      return 0;
    }
  }
}

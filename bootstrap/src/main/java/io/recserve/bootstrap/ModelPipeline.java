package io.recserve.bootstrap;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.ImplicitAls;
import io.recserve.model.als.Interactions;
import io.recserve.model.eval.Evaluation;
import io.recserve.model.eval.Recommenders;
import io.recserve.model.eval.TemporalSplit;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.MovieLensDownloader;
import io.recserve.model.movielens.MovieLensReader;
import io.recserve.model.feedback.Feedback;
import io.recserve.model.feedback.FeedbackMerge;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.serving.RatingScale;
import io.recserve.model.store.FileModelRepository;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgSettings;
import io.recserve.model.store.ModelRepository;
import io.recserve.model.store.TrainedModel;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The steps that make a servable model: import, train, evaluate, publish; each usable alone or in order. */
public final class ModelPipeline implements AutoCloseable {
  private final JsonObject config;
  private final ModelRepository repository;
  private final PrintStream out;

  public ModelPipeline(JsonObject config, PrintStream out) {
    this.config = config;
    this.out = out;
    this.repository = PgSettings.configured(config) ? new PgModelRepository(PgSettings.of(config)) : new FileModelRepository(DataFolder.of(config));
  }

  public ModelRepository repository() {
    return repository;
  }

  public String storeName() {
    return repository instanceof PgModelRepository pg ? "PostgreSQL " + pg.settings().display()
        : "data folder " + DataFolder.of(config).toAbsolutePath();
  }

  /** Creates or upgrades the PostgreSQL schema; nothing to do for the data folder. */
  public void migrate() {
    if (repository instanceof PgModelRepository pg) {
      int applied = pg.migrate();
      out.println("migrate: " + applied + " migration(s) applied to " + storeName());
    } else {
      out.println("migrate: the data folder needs no schema (" + storeName() + ")");
    }
  }

  /**
   * Reads MovieLens from a folder or a release name (downloaded once) and replaces the imported data with it.
   * Returns what it imported, so the steps after it need not read it back.
   */
  public MovieLensData importData(String spec) throws Exception {
    Path dir = resolveMovieLens(spec);
    long start = System.nanoTime();
    MovieLensData data = MovieLensReader.read(dir);
    repository.saveDataset(data, dir.toAbsolutePath().toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    out.println(String.format(Locale.ROOT, "import: %,d movies and %,d ratings from %s into %s in %.2f s (%,.0f rows/s)",
        data.movies().size(), data.ratings().size(), dir, storeName(), seconds, (data.movies().size() + data.ratings().size()) / seconds));
    return data;
  }

  private Path resolveMovieLens(String spec) throws Exception {
    if (spec == null || spec.isBlank()) spec = config.getString("movielens", "ml-latest-small");
    Path dir = Path.of(spec);
    if (Files.isDirectory(dir)) return dir;
    if (MovieLensDownloader.KNOWN.contains(spec)) {
      return MovieLensDownloader.fetch(spec, DataFolder.of(config).resolve("movielens"),
          config.getString("movielens-url", MovieLensDownloader.GROUPLENS));
    }
    throw new IllegalArgumentException("--movielens " + spec + " is neither a folder (there is none at " + dir.toAbsolutePath().normalize()
        + ") nor a MovieLens release name (" + String.join(", ", new java.util.TreeSet<>(MovieLensDownloader.KNOWN)) + ")");
  }

  public AlsParams params() {
    JsonObject als = config.getJsonObject("als", new JsonObject());
    AlsParams defaults = AlsParams.DEFAULTS;
    return new AlsParams(als.getInteger("factors", defaults.factors()), als.getDouble("regularization", defaults.regularization()),
        als.getDouble("alpha", defaults.alpha()), als.getInteger("iterations", defaults.iterations()),
        als.getLong("seed", defaults.seed()), defaults.threads(), AlsParams.Solver.of(als.getString("solver", defaults.solver().key())),
        als.getInteger("cg-steps", defaults.cgSteps()));
  }

  /** Fits the model on every imported rating and stores it as a new version (not yet served). */
  public long train(AlsParams params) {
    return train(params, repository.loadDataset());
  }

  /**
   * Trains on the imported ratings with every piece of live feedback applied, and stores the version with the last
   * feedback it includes (serving replays only what came after) and the imported ratings' scale (feedback is checked
   * against it).
   */
  private long train(AlsParams params, MovieLensData data) {
    List<Feedback> feedback = repository.feedback();
    Ratings ratings = FeedbackMerge.apply(data.ratings(), feedback);
    long trainedThrough = feedback.stream().mapToLong(Feedback::seq).max().orElse(0);
    if (!feedback.isEmpty()) {
      out.println(String.format(Locale.ROOT, "train: %,d pieces of live feedback merged with the %,d imported ratings", feedback.size(), data.ratings().size()));
    }
    Interactions interactions = Interactions.of(ratings);
    out.println(String.format(Locale.ROOT, "train: %,d users x %,d movies, %,d ratings; factors=%d regularization=%s alpha=%s iterations=%d seed=%d threads=%d",
        interactions.users(), interactions.items(), interactions.size(), params.factors(), params.regularization(), params.alpha(),
        params.iterations(), params.seed(), params.threads()));
    long start = System.nanoTime();
    AlsModel model = ImplicitAls.train(interactions, params);
    double seconds = (System.nanoTime() - start) / 1e9;
    long version = repository.saveModel(TrainedModel.of(params, model, data.movies()).with(trainedThrough, RatingScale.of(data.ratings())));
    out.println(String.format(Locale.ROOT, "train: model version %d stored (%.2f s training, %,.0f ratings/s per iteration)",
        version, seconds, interactions.size() * params.iterations() / seconds));
    return version;
  }

  /**
   * Holds out each user's most recent ratings, fits a model with the version's parameters on the rest, and compares
   * it with the popularity baseline; prints the table and stores it with the version.
   */
  public Evaluation evaluate(long version) {
    return evaluate(version, repository.loadDataset());
  }

  private Evaluation evaluate(long version, MovieLensData data) {
    JsonObject e = config.getJsonObject("evaluation", new JsonObject());
    int k = e.getInteger("k", 10);
    double holdout = e.getDouble("holdout", TemporalSplit.DEFAULT_HOLDOUT);
    int minRatings = e.getInteger("min-ratings", TemporalSplit.DEFAULT_MIN_RATINGS);
    AlsParams params = repository.versions().stream().filter(v -> v.version() == version).findFirst()
        .map(v -> AlsParams.fromMap(v.params())).orElseThrow(() -> new IllegalArgumentException("no model version " + version));
    TemporalSplit split = TemporalSplit.of(data.ratings(), holdout, minRatings);
    Interactions train = Interactions.of(split.train());
    out.println(String.format(Locale.ROOT, "evaluate: version %d, per user the latest %.0f%% of ratings held out (%,d train, %,d test)",
        version, holdout * 100, split.train().size(), split.test().size()));
    AlsModel model = ImplicitAls.train(train, params);
    int maxUsers = e.getInteger("max-users", 0);
    Ratings test = sample(split.test(), maxUsers);
    if (test != split.test()) {
      out.println(String.format(Locale.ROOT, "evaluate: scoring %,d test users, evenly by id (evaluation.max-users)", maxUsers));
    }
    Evaluation evaluation = Evaluation.of(List.of(Recommenders.als(model), Recommenders.popularity(train)), test, train.items(), k);
    out.print(evaluation.table());
    double lift = evaluation.row("als").ndcg() / Math.max(1e-12, evaluation.row("popularity").ndcg());
    out.println(String.format(Locale.ROOT, "evaluate: NDCG@%d of the model is %.2fx the popularity baseline's", k, lift));
    Map<String, Object> stored = evaluation.toMap();
    stored.put("holdout", holdout);
    stored.put("min_ratings", minRatings);
    if (maxUsers > 0) stored.put("max_users", maxUsers);
    stored.put("ndcg_lift", lift);
    repository.saveEvaluation(version, stored);
    return evaluation;
  }

  /**
   * The held-out ratings of at most {@code maxUsers} users, taken evenly over the users ordered by id (every k-th), so
   * the sample is the same on every run; scoring every user against every movie is what evaluation costs at 25M.
   * 0, or no more users than that: all of them.
   */
  static Ratings sample(Ratings test, int maxUsers) {
    int[] users = java.util.stream.IntStream.range(0, test.size()).map(test::user).distinct().sorted().toArray();
    if (maxUsers <= 0 || users.length <= maxUsers) return test;
    int stride = (users.length + maxUsers - 1) / maxUsers;
    java.util.Set<Integer> kept = new java.util.HashSet<>();
    for (int i = 0; i < users.length; i += stride) kept.add(users[i]);
    Ratings sample = new Ratings();
    for (int i = 0; i < test.size(); i++) {
      if (kept.contains(test.user(i))) sample.add(test.user(i), test.movie(i), test.rating(i), test.time(i));
    }
    return sample;
  }

  /** Makes {@code version} current, then prunes what is beyond {@code model.keep-versions}. */
  public void publish(long version) {
    repository.makeCurrent(version);
    out.println("publish: model version " + version + " is now current in " + storeName());
    prune();
  }

  /** Deletes the vectors of every version but the newest {@code model.keep-versions} (3) and the current one. */
  public List<Long> prune() {
    int keep = config.getJsonObject("model", new JsonObject()).getInteger("keep-versions", ModelRepository.DEFAULT_KEEP_VERSIONS);
    List<Long> pruned = repository.prune(keep);
    if (!pruned.isEmpty()) out.println("prune: removed model version(s) " + pruned + " (keeping the newest " + keep + " and the current one)");
    return pruned;
  }

  /** The newest stored version. */
  public long latestVersion() {
    var versions = repository.versions();
    if (versions.isEmpty()) throw new IllegalStateException("no model version stored: run 'bootstrap train' first");
    return versions.get(versions.size() - 1).version();
  }

  /** Every step in order: the first-run path of the run command too. */
  public long all(String movielens) throws Exception {
    migrate();
    MovieLensData data = importData(movielens);
    long version = train(params(), data);
    evaluate(version, data);
    publish(version);
    return version;
  }

  @Override
  public void close() {
    repository.close();
  }
}

package io.recserve.launcher;

import io.recserve.bootstrap.BootstrapCommand;
import io.recserve.bootstrap.ModelPipeline;
import io.recserve.bootstrap.RecserveVersion;
import io.recserve.model.Failures;
import io.recserve.serving.PgSettings;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: runs a Recserve node; on a store with no published model it first builds one. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
    description = "Serve recommendations (all five verticles by default). With no published model, first builds one from MovieLens.")
public final class ServeCommand implements Callable<Integer> {
  @Mixin BootstrapCommand.StoreOptions store;
  @Option(names = "--roles", paramLabel = "ROLES", description = "verticles to run here, with optional instance counts, e.g. http or ann:2,embedding (default: all)")
  String roles = Roles.ALL;
  @Option(names = "--movielens", paramLabel = "DIR|RELEASE", description = "MovieLens folder, or a release name downloaded from GroupLens (default ml-latest-small), "
      + "to build the first model from (RECSERVE_MOVIELENS)")
  String movielens;
  @Option(names = "--redis-url", paramLabel = "URL", description = "Redis URL: keep the response cache there (RECSERVE_REDIS_URL)")
  String redisUrl;
  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (RECSERVE_HTTP_PORT)")
  Integer port;
  @Option(names = "--cluster", description = "join the Hazelcast cluster (cluster.* settings, RECSERVE_CLUSTER_*)")
  boolean cluster;
  @Option(names = "--no-bootstrap", description = "do not build a model when none is published; wait for one")
  boolean noBootstrap;

  @Override
  public Integer call() throws Exception {
    JsonObject config = configuration();
    Roles parsed = Roles.parse(roles);
    Started started = start(config, parsed, noBootstrap);
    RecserveNode node = started.node();
    OptionalLong model = started.model();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().await(40, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown: " + Failures.describe(e));
      } finally {
        stopped.countDown();
      }
    }, "recserve-shutdown"));
    System.out.print(StartSummary.text(config, parsed, node.vertx(), node.adminPort(), model));
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** A running node and the model version current when it started (empty when unknown). */
  record Started(RecserveNode node, OptionalLong model) {}

  /**
   * Starts the node. With PostgreSQL as the store and a role that serves the model, see {@link PgStartup}: HTTP first,
   * then PostgreSQL waited for, migrated and given a first model, then the other roles. Otherwise (the embedded
   * default, {@code --no-bootstrap}, or roles that need no model) the store is prepared first, then every role starts.
   */
  static Started start(JsonObject config, Roles roles, boolean noBootstrap) throws Exception {
    if (roles.needsModel() && !noBootstrap && PgSettings.configured(config)) return PgStartup.start(config, roles);
    OptionalLong model = OptionalLong.empty();
    if (roles.needsModel()) model = noBootstrap ? currentVersion(config) : ensureModel(config);
    return new Started(RecserveNode.start(config, roles).await(), model);
  }

  /** The configuration (file, environment, the store options) with this command's options laid over it. */
  JsonObject configuration() {
    JsonObject config = store.load();
    if (movielens != null) config.put("movielens", movielens);
    if (redisUrl != null) config.getJsonObject("redis").put("url", redisUrl);
    if (port != null) config.getJsonObject("http").put("port", port);
    if (cluster) config.getJsonObject("cluster").put("enabled", true);
    return config;
  }

  /**
   * First run: with nothing published in the store, migrate, import, train, evaluate and publish, then serve.
   * Returns the current version.
   */
  static OptionalLong ensureModel(JsonObject config) throws Exception {
    return ensureModel(config, phase -> {});
  }

  /** The same, telling {@code phase} what it does before each long step (for readiness to show). */
  static OptionalLong ensureModel(JsonObject config, Consumer<String> phase) throws Exception {
    try (ModelPipeline pipeline = new ModelPipeline(config, System.out)) {
      if (PgSettings.configured(config)) {
        phase.accept("migrating the schema in " + pipeline.storeName());
        pipeline.migrate();
      }
      OptionalLong current = pipeline.repository().current();
      if (current.isPresent()) return current;
      phase.accept("building the first model version from MovieLens " + config.getString("movielens") + " in " + pipeline.storeName());
      System.out.println("No model is published in " + pipeline.storeName() + ": building one from MovieLens "
          + config.getString("movielens") + " (bootstrap all)");
      pipeline.all(config.getString("movielens"));
      return pipeline.repository().current();
    }
  }

  /** The store's current version, for the start summary; empty when there is none or the store cannot tell yet. */
  static OptionalLong currentVersion(JsonObject config) {
    try (ModelPipeline pipeline = new ModelPipeline(config, new PrintStream(OutputStream.nullOutputStream()))) {
      return pipeline.repository().current();
    } catch (RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}

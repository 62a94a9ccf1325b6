package io.recserve.launcher;

import io.recserve.bootstrap.BootstrapCommand;
import io.recserve.bootstrap.ModelPipeline;
import io.recserve.serving.PgSettings;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: runs a Recserve node; on a store with no published model it first builds one. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve recommendations (all five verticles by default).")
public final class ServeCommand implements Callable<Integer> {
  @Mixin BootstrapCommand.StoreOptions store;
  @Option(names = "--roles", description = "verticles to run here, with optional instance counts, e.g. http or ann:2,embedding (default: all)")
  String roles = Roles.ALL;
  @Option(names = "--movielens", description = "MovieLens folder or release name to build the first model from (RECSERVE_MOVIELENS)")
  String movielens;
  @Option(names = "--redis-url", description = "Redis URL: keep the response cache there (RECSERVE_REDIS_URL)")
  String redisUrl;
  @Option(names = "--port", description = "HTTP port (RECSERVE_HTTP_PORT)")
  Integer port;
  @Option(names = "--cluster", description = "join the Hazelcast cluster (cluster.* settings, RECSERVE_CLUSTER_*)")
  boolean cluster;
  @Option(names = "--no-bootstrap", description = "do not build a model when none is published; wait for one")
  boolean noBootstrap;

  @Override
  public Integer call() throws Exception {
    JsonObject config = configuration();
    Roles parsed = Roles.parse(roles);
    if (parsed.needsModel() && !noBootstrap) ensureModel(config);
    RecserveNode node = RecserveNode.start(config, parsed).await();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().await(40, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown: " + e.getMessage());
      } finally {
        stopped.countDown();
      }
    }, "recserve-shutdown"));
    if (parsed.has("http")) {
      System.out.println("Recserve is serving on http://localhost:" + config.getJsonObject("http").getInteger("port")
          + "  (try: curl -s -XPOST localhost:" + config.getJsonObject("http").getInteger("port")
          + "/recommend -H 'content-type: application/json' -d '{\"user_id\": 1}')");
    } else {
      System.out.println("Recserve node running roles " + parsed.instances().keySet());
    }
    stopped.await();
    return 0;
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

  /** First run: with nothing published in the store, migrate, import, train, evaluate and publish, then serve. */
  static void ensureModel(JsonObject config) throws Exception {
    try (ModelPipeline pipeline = new ModelPipeline(config, System.out)) {
      if (PgSettings.configured(config)) pipeline.migrate();
      if (pipeline.repository().current().isPresent()) return;
      System.out.println("No model is published in " + pipeline.storeName() + ": building one from MovieLens "
          + config.getString("movielens") + " (bootstrap all)");
      pipeline.all(config.getString("movielens"));
    }
  }
}

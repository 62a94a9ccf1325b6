package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.bootstrap.RecserveConfig;
import io.recserve.model.store.FileModelRepository;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.recserve.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 of a separate analytics node under steady traffic: the HTTP node keeps every unconfirmed batch and sends it
 * to the analytics node started in its place, so every answer's event is stored once: 0 lost, 0 duplicated.
 */
@Timeout(150)
class AnalyticsDeliveryFaultTest {
  private static final int HAZELCAST_PORT = 26701;
  private static final String MEMBERS = "127.0.0.1:26701,127.0.0.1:26702,127.0.0.1:26703,127.0.0.1:26704,127.0.0.1:26705";

  @Test
  void killingTheAnalyticsNodeLosesAndDuplicatesNothing() throws Exception {
    Path dir = Files.createTempDirectory("recserve-analytics-kill");
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    repo.makeCurrent(repo.saveModel(TestModels.random(30, 200, 8, 1)));
    String schema = TestServices.freshSchema();
    new PgModelRepository(TestServices.postgresUrl(), schema).migrate();
    String clusterName = NodeProcess.clusterName(); // never joined by another run on this machine
    Map<String, String> cluster = Map.of("RECSERVE_CLUSTER_NAME", clusterName, "RECSERVE_CLUSTER_HOST", "127.0.0.1", "RECSERVE_CLUSTER_MEMBERS", MEMBERS,
        "RECSERVE_CLUSTER_HAZELCAST_PORT", Integer.toString(HAZELCAST_PORT), "RECSERVE_MODEL_POLL_INTERVAL_MS", "300",
        "RECSERVE_EVENTBUS_TIMEOUT_MS", "1000", "RECSERVE_ANN_INDEX_DIR", dir.resolve("index").toString());
    Map<String, String> analyticsEnv = new java.util.HashMap<>(cluster);
    analyticsEnv.put("RECSERVE_PG_URL", TestServices.postgresUrl());
    analyticsEnv.put("RECSERVE_PG_SCHEMA", schema);
    List<String> args = List.of("serve", "--cluster", "--no-bootstrap", "--data-dir", dir.resolve("data").toString(), "--roles");
    NodeProcess backend = NodeProcess.start(dir, "backend", plus(args, "embedding,ann,cache"), cluster, "Recserve node running roles");
    NodeProcess analytics = NodeProcess.start(dir, "analytics-1", plus(args, "analytics"), analyticsEnv, "Recserve node running roles");
    Vertx vertx = Vertx.vertx();
    WebClient web = WebClient.create(vertx);
    RecserveNode http = null;
    try {
      JsonObject config = RecserveConfig.load(vertx, null, false).await(10, TimeUnit.SECONDS);
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      config.getJsonObject("http").put("port", port).put("instances", 1);
      config.getJsonObject("eventbus").put("timeout-ms", 1000);
      config.getJsonObject("cache").put("enabled", false);
      config.getJsonObject("model").put("poll-interval-ms", 300);
      config.getJsonObject("analytics").put("retry-max-ms", 500);
      config.getJsonObject("cluster").put("enabled", true).put("name", clusterName).put("host", "127.0.0.1").put("members", MEMBERS).put("hazelcast-port", HAZELCAST_PORT);
      http = RecserveNode.start(config, Roles.parse("http")).await(60, TimeUnit.SECONDS);
      int httpPort = port;
      Eventually.until(Duration.ofSeconds(60), "ready", () -> web.get(httpPort, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);

      Set<String> answered = ConcurrentHashMap.newKeySet();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread traffic = new Thread(() -> {
        int user = 0;
        while (running.get()) {
          try {
            HttpResponse<Buffer> r = web.post(httpPort, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
                .sendBuffer(Buffer.buffer("{\"user_id\": " + (1 + user++ % 30) + "}")).await(10, TimeUnit.SECONDS);
            if (r.statusCode() == 200) answered.add(r.bodyAsJsonObject().getString("request_id"));
          } catch (Exception e) {
            // counted by what was answered
          }
        }
      });
      traffic.start();
      String count = "select count(*) from " + schema + ".recommendation_events";
      Eventually.until(Duration.ofSeconds(20), "events stored", () -> TestServices.queryLong(count) > 100);
      analytics.process.destroyForcibly(); // SIGKILL: batches in flight are never confirmed
      analytics.process.waitFor(10, TimeUnit.SECONDS);
      int atKill = answered.size();
      Eventually.until(Duration.ofSeconds(20), "answers while no analytics node runs", () -> answered.size() > atKill + 200);
      analytics = NodeProcess.start(dir, "analytics-2", plus(args, "analytics"), analyticsEnv, "Recserve node running roles");
      int atRestart = answered.size();
      Eventually.until(Duration.ofSeconds(20), "answers after the new analytics node", () -> answered.size() > atRestart + 200);
      running.set(false);
      traffic.join(20_000);

      Eventually.until(Duration.ofSeconds(30), "every answer's event stored", () -> TestServices.queryLong(count) >= answered.size());
      assertThat(TestServices.queryLong(count)).as("rows: no duplicate, none of an unanswered request").isEqualTo(answered.size());
      String ids = String.join(",", answered.stream().map(id -> "'" + id + "'").toList());
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".recommendation_events where request_id in (" + ids + ")"))
          .isEqualTo(answered.size());
    } finally {
      if (http != null) http.stop().await(30, TimeUnit.SECONDS);
      analytics.stop();
      backend.stop();
      vertx.close().await();
    }
  }

  private static List<String> plus(List<String> args, String roles) {
    List<String> all = new ArrayList<>(args);
    all.add(roles);
    return all;
  }
}

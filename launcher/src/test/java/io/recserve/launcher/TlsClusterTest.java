package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.RecserveConfig;
import io.recserve.contract.Addresses;
import io.recserve.model.store.FileModelRepository;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The clustered event bus over TLS with client authentication: this JVM's HTTP node (no store) and a backend JVM with
 * every other role, both holding the cluster's certificate, serve and administer models through the bus; a third JVM
 * with another certificate joins Hazelcast (whose membership has no TLS) but takes no part: its heartbeats never
 * arrive (so no HTTP node ever routes a request to it), a request that lands on it through a shared address fails
 * within its timeout (Vert.x drops what was queued for a connection whose handshake failed), never hanging, and traffic
 * keeps being answered by the proper nodes.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TlsClusterTest {
  /** Ports and a cluster name of this run's own; more ports than nodes, so a port taken meanwhile still leaves a listed one. */
  private static final int HAZELCAST_PORT = NodeProcess.freePortRange(6);
  private static final String MEMBERS = NodeProcess.members(HAZELCAST_PORT, 6);
  private static final String CLUSTER_NAME = NodeProcess.clusterName();

  static Map<String, String> tlsEnv(SelfSignedCertificate cert) {
    return Map.of("RECSERVE_CLUSTER_TLS_KEY_FILE", cert.privateKeyPath(), "RECSERVE_CLUSTER_TLS_CERT_FILE", cert.certificatePath(),
        "RECSERVE_CLUSTER_TLS_TRUST_FILE", cert.certificatePath());
  }

  static NodeProcess launch(Path dir, String name, String roles, SelfSignedCertificate cert) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("RECSERVE_CLUSTER_HOST", "127.0.0.1", "RECSERVE_CLUSTER_MEMBERS", MEMBERS,
        "RECSERVE_CLUSTER_HAZELCAST_PORT", Integer.toString(HAZELCAST_PORT), "RECSERVE_CLUSTER_NAME", CLUSTER_NAME, "RECSERVE_MODEL_POLL_INTERVAL_MS", "300",
        "RECSERVE_ANN_INDEX_DIR", dir.resolve("index-" + name).toString(), "RECSERVE_ANALYTICS_FILE", dir.resolve("events-" + name + ".jsonl").toString()));
    env.putAll(tlsEnv(cert));
    return NodeProcess.launch(dir, name, List.of("serve", "--cluster", "--no-bootstrap", "--roles", roles, "--data-dir", dir.resolve("data").toString()), env);
  }

  @Test
  void onlyNodesWithTheClusterCertificateTakePart() throws Exception {
    Path dir = Files.createTempDirectory("recserve-tls-cluster");
    SelfSignedCertificate cluster = SelfSignedCertificate.create("localhost");
    SelfSignedCertificate stranger = SelfSignedCertificate.create("localhost");
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    long v1 = repo.saveModel(TestModels.random(30, 300, 8, 1));
    repo.makeCurrent(v1);
    repo.saveModel(TestModels.random(30, 300, 8, 2));
    Vertx clientVertx = Vertx.vertx();
    WebClient web = WebClient.create(clientVertx);
    NodeProcess backend = null;
    NodeProcess rogue = null;
    RecserveNode http = null;
    try {
      // The backend and the stranger start together (two JVMs at once: the test's time is mostly their start).
      backend = launch(dir, "backend", "embedding,ann,cache,analytics", cluster);
      rogue = launch(dir, "rogue", "ann", stranger);
      backend.awaitOutput("backend", "Recserve node running roles");
      rogue.awaitOutput("rogue", "Recserve node running roles");
      JsonObject config = RecserveConfig.load(clientVertx, null, false).await(10, TimeUnit.SECONDS);
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      config.getJsonObject("http").put("port", port).put("instances", 1);
      config.getJsonObject("admin").put("port", 0).put("timeout-ms", 1500);
      config.getJsonObject("eventbus").put("timeout-ms", 1000).put("retry-timeout-ms", 300);
      config.getJsonObject("model").put("poll-interval-ms", 300);
      config.getJsonObject("cache").put("enabled", false); // every request searches, so that requests arriving together are relayed together
      config.getJsonObject("cluster").put("enabled", true).put("members", MEMBERS).put("hazelcast-port", HAZELCAST_PORT).put("name", CLUSTER_NAME)
          .put("tls", new JsonObject().put("key-file", cluster.privateKeyPath()).put("cert-file", cluster.certificatePath())
              .put("trust-file", cluster.certificatePath()));
      http = RecserveNode.start(config, Roles.parse("http")).await(60, TimeUnit.SECONDS);
      RecserveNode node = http;
      Eventually.until(Duration.ofSeconds(30), "ready over the TLS event bus",
          () -> web.get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
      assertThat(recommend(web, port, 3).statusCode()).isEqualTo(200);
      // Closed by default, clustered too: Hazelcast and the event bus listen on cluster.host (loopback) only.
      var manager = (io.vertx.spi.cluster.hazelcast.HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) node.vertx()).clusterManager();
      int hazelcastPort = manager.getHazelcastInstance().getCluster().getLocalMember().getAddress().getPort();
      for (int p : new int[] {hazelcastPort, manager.getNodeInfo().port()}) {
        if (Files.isReadable(Path.of("/proc/net/tcp"))) {
          assertThat(SecureNodeTest.listening(p)).as("sockets on port %d", p).isNotEmpty().allMatch(SecureNodeTest::loopback);
        }
      }

      // The HTTP-only node has no store: its management listener reaches the backend's through the bus. (The stranger,
      // an ANN node, registers the admin address too: a request that lands there ends at admin.timeout-ms with a 503.)
      List<Integer> adminStatuses = new ArrayList<>();
      Eventually.until(Duration.ofSeconds(30), "the model list through the bus", () -> {
        adminStatuses.add(web.get(node.adminPort(), "127.0.0.1", "/admin/models").send().await(10, TimeUnit.SECONDS).statusCode());
        return adminStatuses.get(adminStatuses.size() - 1) == 200;
      });
      assertThat(adminStatuses).allMatch(s -> s == 200 || s == 503);
      HttpResponse<Buffer> models = web.get(node.adminPort(), "127.0.0.1", "/admin/models").send().await(10, TimeUnit.SECONDS);
      if (models.statusCode() != 200) models = web.get(node.adminPort(), "127.0.0.1", "/admin/models").send().await(10, TimeUnit.SECONDS);
      assertThat(models.bodyAsJsonObject().getLong("current")).isEqualTo(v1);
      assertThat(models.bodyAsJsonObject().getJsonArray("versions")).hasSize(2);

      NodeProcess joined = rogue;
      // The stranger is a Hazelcast member, so its registrations are known; a request that lands on it fails in its timeout.
      List<Long> failedMillis = new ArrayList<>();
      Eventually.until(Duration.ofSeconds(30), "a status request routed to the stranger, failing", () -> {
        long started = System.nanoTime();
        try {
          node.vertx().eventBus().request(Addresses.status("ann"), new JsonObject(), new DeliveryOptions().setSendTimeout(1000)).await(10, TimeUnit.SECONDS);
          return false;
        } catch (Exception e) {
          failedMillis.add((System.nanoTime() - started) / 1_000_000);
          return true;
        }
      });
      assertThat(failedMillis).allMatch(ms -> ms < 2000);
      // Its heartbeats never arrive: readiness knows one ANN node, and every request is answered by it.
      Map<Integer, JsonArray> alone = new HashMap<>();
      for (int i = 0; i < 30; i++) {
        long started = System.nanoTime();
        HttpResponse<Buffer> r = recommend(web, port, 1 + i % 30);
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3000);
        alone.put(1 + i % 30, r.bodyAsJsonObject().getJsonArray("recommendations"));
      }
      // Requests arriving together cross to the backend in one relay message, each with the answer it gets alone.
      AtomicInteger relayed = new AtomicInteger();
      node.vertx().eventBus().addOutboundInterceptor(delivery -> {
        if (delivery.message().address().startsWith(Addresses.RELAY + ".")) relayed.incrementAndGet();
        delivery.next();
      });
      WebClient many = WebClient.create(clientVertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(30));
      Eventually.until(Duration.ofSeconds(30), "a relay batch from the HTTP node", () -> {
        List<Future<HttpResponse<Buffer>>> together = new ArrayList<>();
        for (int user = 1; user <= 30; user++) together.add(send(many, port, user));
        Future.all(together).await(15, TimeUnit.SECONDS);
        for (int user = 1; user <= 30; user++) {
          HttpResponse<Buffer> r = together.get(user - 1).result();
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
          assertThat(r.bodyAsJsonObject().getJsonArray("recommendations")).as("user %d", user).isEqualTo(alone.get(user));
        }
        return relayed.get() > 0;
      });
      JsonObject detail = web.get(node.adminPort(), "127.0.0.1", "/ready").send().await(10, TimeUnit.SECONDS).bodyAsJsonObject();
      assertThat(detail.getString("status")).as(detail.encode()).isEqualTo("UP");
      JsonObject model = detail.getJsonArray("checks").stream().map(JsonObject.class::cast).filter(c -> c.getString("id").equals("model"))
          .findFirst().orElseThrow().getJsonObject("data");
      assertThat(model.getJsonArray("nodes").stream().map(JsonObject.class::cast).filter(n -> n.getString("role").equals("ann")).count())
          .as("ANN nodes the HTTP node heard from").isEqualTo(1);
      assertThat(joined.process.isAlive()).isTrue();
      assertThat(Files.readString(joined.log) + Files.readString(backend.log)).containsIgnoringCase("ssl");
    } finally {
      if (http != null) http.stop().await(30, TimeUnit.SECONDS);
      for (NodeProcess p : new NodeProcess[] {rogue, backend}) if (p != null) p.stop();
      clientVertx.close().await();
      cluster.delete();
      stranger.delete();
    }
  }

  static HttpResponse<Buffer> recommend(WebClient web, int port, int user) throws Exception {
    return send(web, port, user).await(15, TimeUnit.SECONDS);
  }

  static Future<HttpResponse<Buffer>> send(WebClient web, int port, int user) {
    return web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json").timeout(10_000)
        .sendBuffer(Buffer.buffer("{\"user_id\": " + user + "}"));
  }
}

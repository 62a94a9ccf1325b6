package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.RecserveConfig;
import io.recserve.contract.Addresses;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.TrainedModel;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real cluster on loopback: this JVM runs the HTTP node; separate JVM processes run embedding + cache + analytics
 * and one or two ANN nodes, all joined by Hazelcast over TCP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  /** Ports and a cluster name of this run's own (other checkouts' test clusters may run on the same machine). */
  private static final int HAZELCAST_PORT = NodeProcess.freePortRange(8);
  private static final String MEMBERS = NodeProcess.members(HAZELCAST_PORT, 8);
  private static final String CLUSTER_NAME = NodeProcess.clusterName();
  private static final long TIMEOUT_MS = 1000;

  private static Path dir;
  private static FileModelRepository repo;
  private static NodeProcess backend;
  private static NodeProcess ann;
  private static RecserveNode http;
  private static Vertx clientVertx;
  private static WebClient web;
  private static int port;

  /** A cluster node in its own JVM, with this test's cluster settings. */
  static NodeProcess startNode(String name, String roles) throws IOException {
    return startNode(name, roles, Map.of(), "Recserve node running roles");
  }

  static NodeProcess startNode(String name, String roles, Map<String, String> extra, String readyLine) throws IOException {
    Map<String, String> env = new HashMap<>(Map.of("RECSERVE_CLUSTER_HOST", "127.0.0.1", "RECSERVE_CLUSTER_MEMBERS", MEMBERS,
        "RECSERVE_CLUSTER_HAZELCAST_PORT", Integer.toString(HAZELCAST_PORT), "RECSERVE_CLUSTER_NAME", CLUSTER_NAME, "RECSERVE_MODEL_POLL_INTERVAL_MS", "300",
        "RECSERVE_EVENTBUS_TIMEOUT_MS", Long.toString(TIMEOUT_MS), "RECSERVE_ANN_INDEX_DIR", dir.resolve("index-" + name).toString(),
        "RECSERVE_ANALYTICS_FILE", dir.resolve("events.jsonl").toString()));
    env.put("RECSERVE_ANN_BUILD_DELAY_MS", "1000"); // index builds outlast several heartbeats, as large ones do
    env.putAll(extra);
    return NodeProcess.start(dir, name, List.of("serve", "--cluster", "--no-bootstrap", "--roles", roles, "--data-dir", dir.resolve("data").toString()),
        env, readyLine);
  }

  @BeforeAll
  static void cluster() throws Exception {
    dir = Files.createTempDirectory("recserve-cluster");
    repo = new FileModelRepository(dir.resolve("data"));
    repo.makeCurrent(repo.saveModel(TestModels.random(30, 300, 8, 1)));
    backend = startNode("backend", "embedding,cache,analytics");
    ann = startNode("ann-1", "ann");

    clientVertx = Vertx.vertx();
    web = WebClient.create(clientVertx);
    JsonObject config = RecserveConfig.load(clientVertx, null, false).await(10, TimeUnit.SECONDS);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    config.getJsonObject("http").put("port", port).put("host", "127.0.0.1").put("instances", 1);
    config.getJsonObject("admin").put("port", 0);
    config.getJsonObject("eventbus").put("timeout-ms", TIMEOUT_MS);
    config.getJsonObject("cache").put("enabled", false);
    config.getJsonObject("model").put("poll-interval-ms", 300);
    config.getJsonObject("cluster").put("enabled", true).put("host", "127.0.0.1").put("members", MEMBERS).put("hazelcast-port", HAZELCAST_PORT).put("name", CLUSTER_NAME);
    http = RecserveNode.start(config, Roles.parse("http")).await(60, TimeUnit.SECONDS);
    Eventually.until(Duration.ofSeconds(60), "readiness across the cluster", () -> get("/ready").statusCode() == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) http.stop().await(30, TimeUnit.SECONDS);
    for (NodeProcess p : new NodeProcess[] {ann, backend}) if (p != null) p.stop();
    if (clientVertx != null) clientVertx.close().await();
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(port, "127.0.0.1", path).timeout(10_000).send().await(15, TimeUnit.SECONDS);
  }

  /** The HTTP node's detailed readiness, on its management listener. */
  static HttpResponse<Buffer> details() throws Exception {
    return web.get(http.adminPort(), "127.0.0.1", "/ready").timeout(10_000).send().await(15, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> recommend(int user) throws Exception {
    return web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json").timeout(10_000)
        .sendBuffer(Buffer.buffer("{\"user_id\": " + user + "}")).await(15, TimeUnit.SECONDS);
  }

  static List<Integer> movieIds(HttpResponse<Buffer> response) {
    JsonArray recs = response.bodyAsJsonObject().getJsonArray("recommendations");
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < recs.size(); i++) ids.add(recs.getJsonObject(i).getInteger("movie_id"));
    return ids;
  }

  static String searchingNode() throws Exception {
    TrainedModel any = TestModels.random(30, 300, 8, 1);
    io.recserve.contract.ModelRef version = io.recserve.contract.ModelRef.get(details().bodyAsJsonObject().getJsonArray("checks").stream()
        .map(JsonObject.class::cast).filter(c -> c.getString("id").equals("model")).findFirst().orElseThrow().getJsonObject("data"), "serving");
    Object reply = http.vertx().eventBus().request(Addresses.ANN_SEARCH,
        new NeighbourSearchRequest(any.users().vector(0), 3, new int[0], version).toJson()).await(5, TimeUnit.SECONDS).body();
    return NeighbourSearchReply.of(reply).node();
  }

  static long annNodesServing(long version) throws Exception {
    JsonObject model = details().bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals("model")).findFirst().orElseThrow().getJsonObject("data");
    return model.getJsonArray("nodes").stream().map(JsonObject.class::cast)
        .filter(n -> n.getString("role").equals("ann") && n.getLong("model_version", 0L) == version).count();
  }

  @Test
  @Order(1)
  void aRequestThroughTheHttpNodeIsAnsweredByRemoteNodes() throws Exception {
    HttpResponse<Buffer> response = recommend(3);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray recs = response.bodyAsJsonObject().getJsonArray("recommendations");
    assertThat(recs).hasSize(10);
    assertThat(recs.getJsonObject(0).getString("title")).startsWith("Movie ");
    assertThat(movieIds(response)).doesNotContain(1, 2, 3); // user 3 rated movies 1..3
    String local = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
    assertThat(searchingNode()).isNotEqualTo(local).contains("@");
  }

  @Test
  @Order(2)
  void twoAnnNodesShareTheQueries() throws Exception {
    NodeProcess second = startNode("ann-2", "ann");
    try {
      Eventually.until(Duration.ofSeconds(30), "two ANN nodes heard", () -> annNodesServing(1) == 2);
      Set<String> nodes = new HashSet<>();
      for (int i = 0; i < 20; i++) nodes.add(searchingNode());
      assertThat(nodes).hasSize(2);
      for (int i = 0; i < 20; i++) assertThat(recommend(1 + i % 30).statusCode()).isEqualTo(200);
    } finally {
      second.stop();
    }
    Eventually.until(Duration.ofSeconds(30), "one ANN node left", () -> annNodesServing(1) == 1);
  }

  @Test
  @Order(3)
  void stoppingTheAnnNodeGives503sWithinTheTimeoutThenTrafficRecovers() throws Exception {
    List<long[]> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>(); // {status, millis}
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread traffic = new Thread(() -> {
      int user = 0;
      while (running.get()) {
        long started = System.nanoTime();
        int status;
        try {
          status = recommend(1 + user++ % 30).statusCode();
        } catch (Exception e) {
          status = -1;
        }
        outcomes.add(new long[] {status, (System.nanoTime() - started) / 1_000_000});
      }
    });
    traffic.start();
    Eventually.until(Duration.ofSeconds(10), "traffic flowing", () -> outcomes.size() > 20);
    ann.stop();
    Eventually.until(Duration.ofSeconds(20), "503s while no ANN node runs", () -> outcomes.stream().anyMatch(o -> o[0] == 503));
    ann = startNode("ann-1", "ann");
    int before = outcomes.size();
    Eventually.until(Duration.ofSeconds(60), "200s again", () ->
        outcomes.size() > before + 5 && outcomes.subList(outcomes.size() - 5, outcomes.size()).stream().allMatch(o -> o[0] == 200));
    running.set(false);
    traffic.join(20_000);
    assertThat(outcomes).allSatisfy(o -> {
      assertThat(o[0]).isIn(200L, 503L);
      assertThat(o[1]).as("request time in ms").isLessThan(2 * TIMEOUT_MS + 1500);
    });
  }

  @Test
  @Order(4)
  void twoPublishesBackToBackDuringTrafficSwitchEveryNodeWithoutErrorOrMixedAnswers() throws Exception {
    Map<Integer, List<Integer>> before = new HashMap<>();
    for (int u = 1; u <= 10; u++) before.put(u, movieIds(recommend(u)));
    long skipped = repo.saveModel(TestModels.random(30, 300, 8, 5));
    long v2 = repo.saveModel(TestModels.random(30, 300, 8, 2));
    List<HttpResponse<Buffer>> during = new ArrayList<>();
    List<Integer> users = new ArrayList<>();
    // Two publishes while the ANN node builds (each build is slowed to outlast several heartbeats): the embedding
    // node may already hold the last while the ANN node still builds the first; requests keep using a version both hold.
    repo.makeCurrent(skipped);
    repo.makeCurrent(v2);
    long deadline = System.currentTimeMillis() + 60_000;
    int u = 0;
    while (System.currentTimeMillis() < deadline && (annNodesServing(v2) < 1 || during.size() < 200)) {
      int user = 1 + u++ % 10;
      users.add(user);
      during.add(recommend(user));
    }
    Eventually.until(Duration.ofSeconds(30), "every node on version " + v2, () -> {
      JsonObject model = details().bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(c -> c.getString("id").equals("model")).findFirst().orElseThrow().getJsonObject("data");
      return model.getLong("serving_version") == v2
          && model.getJsonArray("nodes").stream().map(JsonObject.class::cast).filter(n -> !n.getString("role").equals("http"))
              .allMatch(n -> n.getLong("model_version", 0L) == v2);
    });
    Map<Integer, List<Integer>> after = new HashMap<>();
    for (int user = 1; user <= 10; user++) after.put(user, movieIds(recommend(user)));
    assertThat(after).isNotEqualTo(before);
    // Each answer was scored by one version (its analytics event names it), and equals that version's answer.
    Map<String, Long> versionOf = new HashMap<>();
    Eventually.until(Duration.ofSeconds(30), "the events of the answers stored", () -> {
      for (String line : Files.readAllLines(dir.resolve("events.jsonl"))) {
        JsonObject e = new JsonObject(line);
        versionOf.put(e.getString("request_id"), e.getLong("model_version"));
      }
      return during.stream().allMatch(r -> versionOf.containsKey(r.bodyAsJsonObject().getString("request_id")));
    });
    Map<String, List<Integer>> seen = new HashMap<>(); // (version, user) -> the answer
    for (int i = 0; i < during.size(); i++) {
      assertThat(during.get(i).statusCode()).as(during.get(i).bodyAsString()).isEqualTo(200);
      long version = versionOf.get(during.get(i).bodyAsJsonObject().getString("request_id"));
      int user = users.get(i);
      assertThat(version).isIn(1L, skipped, v2);
      List<Integer> expected = version == 1 ? before.get(user) : version == v2 ? after.get(user)
          : seen.computeIfAbsent(version + "/" + user, k -> movieIds(during.get(indexOf(during, users, user, version, versionOf))));
      assertThat(movieIds(during.get(i))).as("answer %d for user %d in version %d", i, user, version).isEqualTo(expected);
    }
  }

  /** The first answer during the publishes for this user in this version. */
  private static int indexOf(List<HttpResponse<Buffer>> during, List<Integer> users, int user, long version, Map<String, Long> versionOf) {
    for (int i = 0; i < during.size(); i++) {
      if (users.get(i) == user && versionOf.get(during.get(i).bodyAsJsonObject().getString("request_id")) == version) return i;
    }
    throw new AssertionError("no answer for user " + user + " in version " + version);
  }

  @Test
  @Order(5)
  void feedbackTakenByOneHttpNodeIsReflectedAtOnceByAnother() throws Exception {
    int otherPort;
    try (ServerSocket s = new ServerSocket(0)) {
      otherPort = s.getLocalPort();
    }
    NodeProcess otherHttp = startNode("http-2", "http", Map.of("RECSERVE_HTTP_PORT", Integer.toString(otherPort)), "Recserve is serving on");
    try {
      Eventually.until(Duration.ofSeconds(30), "the second HTTP node ready", () ->
          web.get(otherPort, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
      Eventually.until(Duration.ofSeconds(10), "each HTTP node knows the other", () ->
          details().bodyAsString().contains("\"role\":\"http\"") && details().bodyAsString().split("\"role\":\"http\"").length == 3);
      // The other node answers user 4 once (and may keep the answer); then user 4 rates that answer's top movie here.
      List<Integer> before = movieIds(recommendOn(otherPort, 4));
      HttpResponse<Buffer> feedback = web.post(port, "127.0.0.1", "/feedback").putHeader("content-type", "application/json")
          .sendBuffer(Buffer.buffer(new JsonObject().put("user_id", 4).put("movie_id", before.get(0)).put("rating", 3).encode())).await(15, TimeUnit.SECONDS);
      assertThat(feedback.statusCode()).as(feedback.bodyAsString()).isEqualTo(201);
      assertThat(movieIds(recommendOn(otherPort, 4))).as("the other node, at once").doesNotContain(before.get(0));
      // A user the model never saw gets recommendations from the other node right after a first rating here.
      assertThat(movieIds(recommendOn(otherPort, 7777))).isEmpty();
      web.post(port, "127.0.0.1", "/feedback").putHeader("content-type", "application/json")
          .sendBuffer(Buffer.buffer(new JsonObject().put("user_id", 7777).put("movie_id", 5).put("rating", 4).encode())).await(15, TimeUnit.SECONDS);
      assertThat(movieIds(recommendOn(otherPort, 7777))).hasSize(10).doesNotContain(5);
    } finally {
      otherHttp.stop();
    }
  }

  static HttpResponse<Buffer> recommendOn(int httpPort, int user) throws Exception {
    HttpResponse<Buffer> r = web.post(httpPort, "127.0.0.1", "/recommend").putHeader("content-type", "application/json").timeout(10_000)
        .sendBuffer(Buffer.buffer("{\"user_id\": " + user + "}")).await(15, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r;
  }

  /** Requests from two threads until stopped, each outcome kept as {status, milliseconds}. */
  static final class Traffic implements AutoCloseable {
    final List<long[]> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    Traffic() {
      for (int t = 0; t < 2; t++) {
        int offset = t * 15;
        Thread thread = new Thread(() -> {
          int user = offset;
          while (running.get()) {
            long started = System.nanoTime();
            int status;
            try {
              status = recommend(1 + user++ % 30).statusCode();
            } catch (Exception e) {
              status = -1;
            }
            outcomes.add(new long[] {status, (System.nanoTime() - started) / 1_000_000});
          }
        });
        thread.start();
        threads.add(thread);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) t.join(20_000);
    }
  }

  /** kill -9 of one of two nodes of a role under steady traffic: at most 0.1% of answers fail, none takes over twice the timeout. */
  private void killOneOfTwo(String role, String name, String roles) throws Exception {
    NodeProcess second = startNode(name, roles);
    try {
      Eventually.until(Duration.ofSeconds(30), "two " + role + " nodes heard", () -> details().bodyAsJsonObject().getJsonArray("checks").stream()
          .map(JsonObject.class::cast).filter(c -> c.getString("id").equals("model")).findFirst().orElseThrow().getJsonObject("data")
          .getJsonArray("nodes").stream().map(JsonObject.class::cast).filter(n -> n.getString("role").equals(role) && n.getBoolean("accepting")).count() == 2);
      try (Traffic traffic = new Traffic()) {
        Eventually.until(Duration.ofSeconds(10), "traffic flowing", () -> traffic.outcomes.size() > 200);
        second.process.destroyForcibly(); // SIGKILL: no goodbye to the cluster
        int atKill = traffic.outcomes.size();
        Eventually.until(Duration.ofSeconds(30), "2,000 answers after the kill", () -> traffic.outcomes.size() > atKill + 2000);
        traffic.close();
        long failed = traffic.outcomes.stream().filter(o -> o[0] != 200).count();
        long slowest = traffic.outcomes.stream().mapToLong(o -> o[1]).max().orElse(0);
        assertThat(failed).as("failed answers of %d", traffic.outcomes.size()).isLessThanOrEqualTo(traffic.outcomes.size() / 1000);
        assertThat(slowest).as("slowest answer, ms").isLessThan(2 * TIMEOUT_MS);
      }
    } finally {
      second.process.destroyForcibly();
      second.process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(6)
  void killingOneOfTwoAnnNodesFailsAlmostNoRequest() throws Exception {
    killOneOfTwo("ann", "ann-kill", "ann");
  }

  @Test
  @Order(7)
  void killingOneOfTwoEmbeddingNodesFailsAlmostNoRequest() throws Exception {
    killOneOfTwo("embedding", "embedding-kill", "embedding");
  }
}

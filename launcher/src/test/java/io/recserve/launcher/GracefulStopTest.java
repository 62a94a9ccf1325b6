package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.model.store.FileModelRepository;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process stopped with SIGTERM right after its last answer keeps every analytics event; killed with SIGKILL,
 * it loses at most the events of the last {@code analytics.batch-age-ms}.
 */
@org.junit.jupiter.api.Timeout(120)
class GracefulStopTest {
  @TempDir Path dir;

  @Test
  void sigtermRightAfterTheLastAnswerStoresEveryEvent() throws Exception {
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    repo.makeCurrent(repo.saveModel(TestModels.random(40, 200, 8, 3)));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // A long batch age, so the last events are still buffered when the signal comes.
    NodeProcess node = NodeProcess.start(dir, "node", List.of("serve", "--no-bootstrap", "--data-dir", dir.resolve("data").toString()),
        Map.of("RECSERVE_HTTP_PORT", Integer.toString(port), "RECSERVE_ANALYTICS_BATCH_AGE_MS", "60000", "RECSERVE_ANALYTICS_BATCH_SIZE", "1000"),
        "Recserve is serving");
    Vertx vertx = Vertx.vertx();
    List<String> ids = new ArrayList<>();
    try {
      WebClient web = WebClient.create(vertx);
      Eventually.until(Duration.ofSeconds(60), "ready", () -> web.get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
      for (int i = 0; i < 137; i++) {
        var response = web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
            .sendBuffer(Buffer.buffer("{\"user_id\": " + (1 + i % 40) + "}")).await(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        ids.add(response.bodyAsJsonObject().getString("request_id"));
      }
    } finally {
      node.stop();
      vertx.close().await();
    }
    assertThat(node.process.exitValue()).isIn(0, 143);
    List<String> stored = Files.readAllLines(dir.resolve("data/analytics/events.jsonl")).stream()
        .map(line -> new JsonObject(line).getString("request_id")).toList();
    assertThat(stored).as("every answer stored once (HTTP instances send their batches independently, so not in answer order)")
        .containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void killMinusNineLosesAtMostTheEventsOfTheLastBatchAge() throws Exception {
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    repo.makeCurrent(repo.saveModel(TestModels.random(40, 200, 8, 4)));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    long batchAgeMillis = 100;
    NodeProcess node = NodeProcess.start(dir, "killed", List.of("serve", "--no-bootstrap", "--data-dir", dir.resolve("data").toString()),
        Map.of("RECSERVE_HTTP_PORT", Integer.toString(port), "RECSERVE_ANALYTICS_BATCH_AGE_MS", Long.toString(batchAgeMillis)), "Recserve is serving");
    Vertx vertx = Vertx.vertx();
    Map<String, Long> answeredAt = new java.util.LinkedHashMap<>();
    long killedAt;
    try {
      WebClient web = WebClient.create(vertx);
      Eventually.until(Duration.ofSeconds(60), "ready", () -> web.get(port, "127.0.0.1", "/ready").send().await(5, TimeUnit.SECONDS).statusCode() == 200);
      for (int i = 0; i < 300; i++) {
        var response = web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
            .sendBuffer(Buffer.buffer("{\"user_id\": " + (1 + i % 40) + "}")).await(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        answeredAt.put(response.bodyAsJsonObject().getString("request_id"), System.nanoTime());
      }
    } finally {
      killedAt = System.nanoTime();
      node.process.destroyForcibly(); // SIGKILL right after the last answer
      node.process.waitFor(20, TimeUnit.SECONDS);
      vertx.close().await();
    }
    java.util.Set<String> stored = new java.util.HashSet<>();
    for (String line : Files.readAllLines(dir.resolve("data/analytics/events.jsonl"))) stored.add(new JsonObject(line).getString("request_id"));
    // Lost: only answers of the last batch age, plus the time one write takes to reach the disk (generous here: the
    // machine running the tests may be busy, and a forced write then waits).
    long marginMillis = 400;
    List<Long> lostAges = answeredAt.entrySet().stream().filter(e -> !stored.contains(e.getKey()))
        .map(e -> TimeUnit.NANOSECONDS.toMillis(killedAt - e.getValue())).sorted().toList();
    assertThat(lostAges).as("age in ms, at the kill, of each answer whose event was lost (%d of %d)", lostAges.size(), answeredAt.size())
        .allSatisfy(age -> assertThat(age).isLessThanOrEqualTo(batchAgeMillis + marginMillis));
    assertThat(stored).as("nothing stored that was not answered").isSubsetOf(answeredAt.keySet());
  }
}

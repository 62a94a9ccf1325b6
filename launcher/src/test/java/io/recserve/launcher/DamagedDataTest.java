package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.ModelFiles;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestModels;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged file in the data folder never stops a node from starting: a model file cut short leaves the node up and
 * saying why until another version is published; a damaged {@code models/CURRENT} falls back to the newest intact
 * version; a damaged ANN index is rebuilt. Each node is a real process on the embedded store.
 */
@Timeout(150)
class DamagedDataTest {
  @TempDir Path dir;
  private FileModelRepository repo;
  private Vertx vertx;
  private WebClient web;
  private int port;
  private int adminPort;

  @BeforeEach
  void setUp() throws IOException {
    repo = new FileModelRepository(dir.resolve("data"));
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    try (ServerSocket s = new ServerSocket(0); ServerSocket a = new ServerSocket(0)) {
      port = s.getLocalPort();
      adminPort = a.getLocalPort();
    }
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private NodeProcess start(String name) throws IOException {
    return NodeProcess.start(dir, name, List.of("serve", "--no-bootstrap", "--data-dir", dir.resolve("data").toString()),
        Map.of("RECSERVE_HTTP_PORT", Integer.toString(port),
        "RECSERVE_ADMIN_PORT", Integer.toString(adminPort), "RECSERVE_MODEL_POLL_INTERVAL_MS", "200"), "Recserve is serving");
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
  }

  /** The detailed readiness, on the node's management listener (the public {@code /ready} says only UP or DOWN). */
  private HttpResponse<Buffer> readiness() throws Exception {
    return web.get(adminPort, "127.0.0.1", "/ready").send().await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> recommend() throws Exception {
    return web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer("{\"user_id\": 3}")).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aModelFileCutShortLeavesTheNodeUpSayingWhyUntilAnotherVersionIsPublished() throws Exception {
    long good = repo.saveModel(TestModels.random(40, 200, 8, 1));
    long damaged = repo.saveModel(TestModels.random(40, 200, 8, 2));
    repo.makeCurrent(damaged);
    Path users = repo.versionDir(damaged).resolve(ModelFiles.USERS);
    try (FileChannel channel = FileChannel.open(users, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2); // a partial copy, or a disk fault
    }
    NodeProcess node = start("cut-short");
    try {
      assertThat(get("/health-check").statusCode()).isEqualTo(200);
      java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
      try {
        Eventually.until(Duration.ofSeconds(30), "readiness naming the damaged file", () -> {
          HttpResponse<Buffer> ready = readiness();
          last.set(ready.statusCode() + " " + ready.bodyAsString());
          return ready.statusCode() == 503 && ready.bodyAsString().contains("users.bin is damaged");
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; the last answer: " + last.get() + "; the log: " + Files.readString(node.log), e);
      }
      assertThat(Files.readString(node.log)).contains(users + " is damaged or not a model file");
      assertThat(recommend().statusCode()).as("nothing to answer with yet: 503, not a hang").isEqualTo(503);

      repo.makeCurrent(good); // bootstrap rollback
      Eventually.until(Duration.ofSeconds(30), "ready on the intact version", () -> get("/ready").statusCode() == 200);
      HttpResponse<Buffer> answer = recommend();
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.bodyAsJsonObject().getJsonArray("recommendations")).isNotEmpty();
    } finally {
      node.stop();
    }
    assertThat(Files.readString(node.log).split("could not load the current model version", -1))
        .as("the failure is logged once, not at every poll").hasSize(2);
  }

  @Test
  void aDamagedCurrentPointerFallsBackToTheNewestIntactVersion() throws Exception {
    repo.makeCurrent(repo.saveModel(TestModels.random(40, 200, 8, 1)));
    long newest = repo.saveModel(TestModels.random(40, 200, 8, 2));
    Files.writeString(repo.modelsDir().resolve(FileModelRepository.CURRENT), "\u0000\u0000garbage");
    NodeProcess node = start("bad-pointer");
    try {
      Eventually.until(Duration.ofSeconds(30), "ready", () -> get("/ready").statusCode() == 200);
      JsonObject ready = readiness().bodyAsJsonObject();
      assertThat(ready.encode()).contains("\"serving_version\":" + newest);
      assertThat(recommend().statusCode()).isEqualTo(200);
      assertThat(Files.readString(node.log)).contains("CURRENT is damaged").contains("using the newest intact version, " + newest);
    } finally {
      node.stop();
    }
  }

  @Test
  void aDamagedIndexIsRebuiltAtStart() throws Exception {
    repo.makeCurrent(repo.saveModel(TestModels.random(40, 300, 8, 1)));
    NodeProcess first = start("index-built");
    try {
      Eventually.until(Duration.ofSeconds(30), "ready", () -> get("/ready").statusCode() == 200);
    } finally {
      first.stop();
    }
    Path index;
    try (Stream<Path> folders = Files.list(dir.resolve("data/index"))) {
      index = folders.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.filter(p -> !p.getFileName().toString().startsWith("recserve-") && !p.getFileName().toString().equals("write.lock")).toList()) {
        Files.write(f, new byte[(int) Math.min(Files.size(f), 64)]); // every Lucene file overwritten with zeros, the marker intact
      }
    }
    NodeProcess second = start("index-damaged");
    try {
      Eventually.until(Duration.ofSeconds(30), "ready", () -> get("/ready").statusCode() == 200);
      HttpResponse<Buffer> answer = recommend();
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.bodyAsJsonObject().getJsonArray("recommendations")).hasSize(10);
      assertThat(Files.readString(second.log)).contains("ann index " + index + " is damaged").contains("rebuilding it");
    } finally {
      second.stop();
    }
  }
}

package io.recserve.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.model.store.FileModelRepository;
import io.recserve.testing.TestModels;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The management listener alone: the next free port, readiness of a node without HTTP, the store through the bus. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminVerticleTest {
  @TempDir Path dir;

  static HttpResponse<Buffer> get(Vertx vertx, int port, String path) throws Exception {
    return WebClient.create(vertx).get(port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aTakenPortMovesUpAndANodeWithoutHttpReportsItsRoles(Vertx vertx) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      int first = taken.getLocalPort();
      JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", first).put("port-attempts", 5))
          .put("eventbus", new JsonObject().put("timeout-ms", 2000));
      AdminVerticle admin = new AdminVerticle(List.of("cache", "analytics"));
      vertx.deployVerticle(admin, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
      assertThat(admin.port()).isGreaterThan(first).isLessThan(first + 5);

      // The cache answers its status; analytics is absent: DOWN, each role shown.
      vertx.eventBus().consumer(Addresses.status("cache"), m -> m.reply(new ComponentStatus("cache", "n", true, 0, new JsonObject()).toJson()));
      HttpResponse<Buffer> ready = get(vertx, admin.port(), "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getJsonArray("roles")).hasSize(2);
      vertx.eventBus().consumer(Addresses.status("analytics"), m -> m.reply(new ComponentStatus("analytics", "n", true, 0, new JsonObject()).toJson()));
      assertThat(get(vertx, admin.port(), "/ready").statusCode()).isEqualTo(200);

      // No node with the store, no analytics summary handler: 503, said plainly.
      HttpResponse<Buffer> models = get(vertx, admin.port(), "/admin/models");
      assertThat(models.statusCode()).isEqualTo(503);
      assertThat(models.bodyAsJsonObject().getString("message")).contains(Addresses.ADMIN_MODELS);
      ConsoleRoutesTest.assertBadField(get(vertx, admin.port(), "/analytics/summary?window=0"), "window");
      ConsoleRoutesTest.assertBadField(get(vertx, admin.port(), "/analytics/summary?top=101"), "top");
      ConsoleRoutesTest.assertBadField(ConsoleRoutesTest.call(vertx, admin.port(), io.vertx.core.http.HttpMethod.POST, "/admin/models/abc/publish", null, null), "version");
      assertThat(get(vertx, admin.port(), "/nowhere").bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    }
  }

  @Test
  void allPortsTakenStopsTheStartNamingTheSettings(Vertx vertx) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", taken.getLocalPort()).put("port-attempts", 1));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> vertx.deployVerticle(new AdminVerticle(List.of("ann")),
          new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS)).hasMessageContaining("admin.port");
    }
  }

  @Test
  void theModelHandlerListsPublishesAndRollsBack(Vertx vertx) throws Exception {
    FileModelRepository repo = new FileModelRepository(dir.resolve("data"));
    long v1 = repo.saveModel(TestModels.random(10, 50, 4, 1));
    long v2 = repo.saveModel(TestModels.random(10, 50, 4, 2));
    repo.makeCurrent(v1);
    JsonObject config = new JsonObject().put("data", new JsonObject().put("dir", dir.resolve("data").toString()));
    vertx.deployVerticle(new ModelAdminVerticle(), new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.WORKER))
        .await(10, TimeUnit.SECONDS);
    List<Long> hints = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.MODEL_PUBLISHED, m -> hints.add(m.body().getLong("model_version")));
    JsonObject list = request(vertx, new JsonObject().put("action", "list"));
    assertThat(list.getLong("current")).isEqualTo(v1);
    assertThat(list.getJsonArray("versions").getJsonObject(1).getString("model_id")).isNotBlank();
    assertThat(request(vertx, new JsonObject().put("action", "publish").put("version", v2).put("by", "t")).getLong("previous_version")).isEqualTo(v1);
    assertThat(repo.current().getAsLong()).isEqualTo(v2);
    assertThat(request(vertx, new JsonObject().put("action", "rollback").put("by", "t")).getLong("model_version")).isEqualTo(v1);
    assertThat(repo.current().getAsLong()).isEqualTo(v1);
    io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(5), "two hints", () -> hints.size() == 2);
    assertThat(failure(vertx, new JsonObject().put("action", "publish").put("version", 99))).isEqualTo(404);
    assertThat(failure(vertx, new JsonObject().put("action", "rollback"))).isEqualTo(ModelAdminVerticle.CONFLICT);
    assertThat(failure(vertx, new JsonObject().put("action", "drop"))).isEqualTo(400);
    // Found by an audit of docs/event-bus.md ("400 for a malformed message"): a version of another type was a 500 with
    // an ERROR line, an action of another type no answer at all (the sender's timeout).
    assertThat(failure(vertx, new JsonObject().put("action", "publish").put("version", String.valueOf(v2)))).isEqualTo(400);
    assertThat(failure(vertx, new JsonObject().put("action", "publish").put("version", v2 + 0.5))).isEqualTo(400);
    assertThat(failure(vertx, new JsonObject().put("action", 7))).isEqualTo(400);
    assertThat(repo.current().getAsLong()).isEqualTo(v1);
  }

  static JsonObject request(Vertx vertx, JsonObject body) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.ADMIN_MODELS, body).await(10, TimeUnit.SECONDS).body();
  }

  static int failure(Vertx vertx, JsonObject body) {
    try {
      request(vertx, body);
      return 0;
    } catch (Exception e) {
      return ((io.vertx.core.eventbus.ReplyException) e).failureCode();
    }
  }
}

package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StartSummaryTest {
  @Test
  void passwordsInUrlsAreMasked() {
    assertThat(StartSummary.mask("postgresql://recserve:s3cret@db:5432/recserve")).isEqualTo("postgresql://recserve:***@db:5432/recserve");
    assertThat(StartSummary.mask("redis://:s3cret@cache:6379/0")).isEqualTo("redis://:***@cache:6379/0");
    assertThat(StartSummary.mask("postgresql://postgres@127.0.0.1:5432/test")).isEqualTo("postgresql://postgres@127.0.0.1:5432/test");
    assertThat(StartSummary.mask("postgresql://db/recserve?user=a&password=s3cret&ssl=true"))
        .isEqualTo("postgresql://db/recserve?user=a&password=***&ssl=true");
  }

  @Test
  void theConsoleIsAtTheManagementListenersRoot() {
    assertThat(StartSummary.console(new JsonObject(), 9180)).isEqualTo("http://127.0.0.1:9180/");
    assertThat(StartSummary.console(new JsonObject().put("admin", new JsonObject().put("host", "0.0.0.0")), 9181)).isEqualTo("http://localhost:9181/");
    assertThat(StartSummary.console(new JsonObject().put("admin", new JsonObject().put("host", "::1")
        .put("tls", new JsonObject().put("cert-file", "c.pem"))), 9182)).isEqualTo("https://[::1]:9182/");
  }

  @Test
  void aFullNodeSaysWhereEverythingIs() {
    JsonObject config = new JsonObject()
        .put("data", new JsonObject().put("dir", "data"))
        .put("pg", new JsonObject().put("url", "postgresql://recserve:s3cret@db:5432/recserve").put("schema", "public"))
        .put("redis", new JsonObject().put("url", "redis://:hidden@cache:6379"))
        .put("cache", new JsonObject().put("enabled", true).put("ttl-seconds", 300).put("near-ttl-seconds", 10))
        .put("http", new JsonObject().put("port", 8181).put("instances", 2))
        .put("bridge", new JsonObject().put("enabled", true).put("port", 7001));
    Vertx vertx = Vertx.vertx();
    try {
      String text = StartSummary.text(config, Roles.parse(Roles.ALL), vertx, 9181, OptionalLong.of(7));
      assertThat(text).doesNotContain("s3cret", "hidden").contains(
          "Recserve is serving on http://localhost:8181",
          "  roles   http x2, embedding, ann, cache, analytics",
          "  store   PostgreSQL postgresql://recserve:***@db:5432/recserve",
          "  cache   Redis redis://:***@cache:6379 (answers kept 300 s; the HTTP node keeps them 10 s in its near-cache)",
          "  model   version 7",
          "  ports   HTTP 127.0.0.1:8181, management 127.0.0.1:9181, event-stream bridge 127.0.0.1:7001",
          "  console http://127.0.0.1:9181/",
          "  keys    none: the public routes are open to whoever reaches the port; management listener open to whoever reaches it",
          "  try     curl -s localhost:8181/recommend -XPOST",
          "          curl -s 127.0.0.1:9181/admin/models");
    } finally {
      vertx.close().await();
    }
  }
}

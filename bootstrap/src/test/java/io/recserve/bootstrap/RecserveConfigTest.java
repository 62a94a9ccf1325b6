package io.recserve.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RecserveConfigTest {
  @Test
  void environmentNamesMapOntoSectionsWithTheYamlTypes() {
    JsonObject merged = new JsonObject()
        .put("movielens", "ml-latest-small")
        .put("movielens-url", "https://files.grouplens.org/datasets/movielens/")
        .put("RECSERVE_MOVIELENS_URL", "http://mirror.example/ml/")
        .put("http", new JsonObject().put("port", 8080).put("host", "0.0.0.0"))
        .put("cache", new JsonObject().put("enabled", true).put("ttl-seconds", 300))
        .put("RECSERVE_HTTP_PORT", "9090")
        .put("RECSERVE_CACHE_ENABLED", "false")
        .put("RECSERVE_CACHE_TTL_SECONDS", "5")
        .put("RECSERVE_PG_URL", "postgresql://u@h:1/d")
        .put("RECSERVE_MOVIELENS", "/data/ml")
        .put("PATH", "/usr/bin");
    JsonObject config = RecserveConfig.applyEnvironment(merged);
    assertThat(config.getJsonObject("http").getValue("port")).isEqualTo(9090L);
    assertThat(config.getJsonObject("cache").getBoolean("enabled")).isFalse();
    assertThat(config.getJsonObject("cache").getLong("ttl-seconds")).isEqualTo(5L);
    assertThat(config.getJsonObject("pg").getString("url")).isEqualTo("postgresql://u@h:1/d");
    assertThat(config.getString("movielens")).isEqualTo("/data/ml");
    assertThat(config.getString("movielens-url")).isEqualTo("http://mirror.example/ml/");
    assertThat(config.containsKey("PATH")).isFalse();
  }

  @Test
  void aSettingTheFileLeavesOutTakesTheTypeItsValueHas() {
    JsonObject merged = new JsonObject()
        .put("analytics", new JsonObject().put("batch-size", 500))
        .put("RECSERVE_ANALYTICS_SEND_BATCH_SIZE", "64")
        .put("RECSERVE_ANN_SOMETHING_ON", "true")
        .put("RECSERVE_ANN_NAME", "a-12");
    JsonObject config = RecserveConfig.applyEnvironment(merged);
    assertThat(config.getJsonObject("analytics").getInteger("send-batch-size", 256)).isEqualTo(64);
    assertThat(config.getJsonObject("ann").getBoolean("something-on", false)).isTrue();
    assertThat(config.getJsonObject("ann").getString("name")).isEqualTo("a-12");
  }

  @Test
  void nestedSectionsAndTheKeyShorthandsAreReachedFromTheEnvironment() {
    JsonObject merged = new JsonObject()
        .put("http", new JsonObject().put("port", 8080).put("tls", new JsonObject().put("key-file", "").put("cert-file", "")))
        .put("security", new JsonObject().put("api-keys", "").put("rate-limit", new JsonObject().put("read-per-second", 0.0)))
        .put("RECSERVE_HTTP_TLS_KEY_FILE", "/k.pem")
        .put("RECSERVE_SECURITY_RATE_LIMIT_READ_PER_SECOND", "2.5")
        .put("RECSERVE_API_KEYS", "app:read:0123456789abcdef")
        .put("RECSERVE_ADMIN_KEYS", "ops:admin:0123456789abcdef0");
    JsonObject config = RecserveConfig.applyEnvironment(merged);
    assertThat(config.getJsonObject("http").getJsonObject("tls").getString("key-file")).isEqualTo("/k.pem");
    assertThat(config.getJsonObject("http").getJsonObject("tls").getString("cert-file")).isEmpty();
    assertThat(config.getJsonObject("security").getJsonObject("rate-limit").getDouble("read-per-second")).isEqualTo(2.5);
    assertThat(config.getJsonObject("security").getString("api-keys")).isEqualTo("app:read:0123456789abcdef");
    assertThat(config.getJsonObject("security").getString("admin-keys")).isEqualTo("ops:admin:0123456789abcdef0");
    assertThat(config.containsKey("api")).isFalse();
  }

  /**
   * The shipped file's sections are where the code and the README look for them: HTTPS from the environment needs the
   * file's http.tls section (it had slipped under vertx, so RECSERVE_HTTP_TLS_KEY_FILE became http.tls-key-file).
   */
  @Test
  void theShippedFileTakesHttpsAndTheConnectionBoundFromTheEnvironment() {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject shipped = RecserveConfig.load(vertx, null, false).await();
      JsonObject config = RecserveConfig.applyEnvironment(shipped.copy().put("RECSERVE_HTTP_TLS_KEY_FILE", "/k.pem")
          .put("RECSERVE_HTTP_TLS_CERT_FILE", "/c.pem").put("RECSERVE_HTTP_MAX_CONNECTIONS", "100"));
      JsonObject http = config.getJsonObject("http");
      assertThat(http.getJsonObject("tls").getString("key-file")).isEqualTo("/k.pem");
      assertThat(http.getJsonObject("tls").getString("cert-file")).isEqualTo("/c.pem");
      assertThat(http.getLong("max-connections")).isEqualTo(100);
      assertThat(http.containsKey("tls-key-file")).isFalse();
      assertThat(shipped.getJsonObject("vertx").fieldNames()).doesNotContain("tls", "max-connections");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void theShippedFileLoads() {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = RecserveConfig.load(vertx, null, false).await();
      assertThat(config.getJsonObject("http").getInteger("port")).isEqualTo(8080);
      assertThat(config.getJsonObject("als").getInteger("factors")).isEqualTo(64);
      assertThat(config.getJsonObject("pg").getString("url")).isEmpty();
    } finally {
      vertx.close().await();
    }
  }
}

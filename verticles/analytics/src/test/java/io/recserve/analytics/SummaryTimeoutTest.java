package io.recserve.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.SummaryRequest;
import io.recserve.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A summary PostgreSQL cannot finish in analytics.summary-timeout-ms is cancelled by the statement timeout: it never holds a connection for long. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SummaryTimeoutTest {
  @TempDir Path dir;
  @Test
  void aBlockedSummaryEndsAtTheStatementTimeout(Vertx vertx) throws Exception {
    String schema = TestServices.freshSchema();
    new PgModelRepository(TestServices.postgresUrl(), schema).migrate();
    JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema))
        .put("data", new JsonObject().put("dir", dir.toString())).put("analytics", new JsonObject().put("summary-timeout-ms", 300));
    vertx.deployVerticle(new AnalyticsVerticle(), new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000);
    try (Connection lock = TestServices.connect(); Statement s = lock.createStatement()) {
      lock.setAutoCommit(false);
      s.execute("lock table " + schema + ".recommendation_events in access exclusive mode"); // the summary's query waits on it
      long started = System.nanoTime();
      assertThatThrownBy(() -> vertx.eventBus().request(Addresses.ANALYTICS_SUMMARY, new SummaryRequest(7 * 24 * 3600, 100).toJson(), options)
          .await(10, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(FailureCodes.STORE_UNAVAILABLE));
      assertThat((System.nanoTime() - started) / 1_000_000).as("ms until the summary gave up").isLessThan(3000);
      lock.rollback();
    }
    JsonObject summary = vertx.eventBus().<JsonObject>request(Addresses.ANALYTICS_SUMMARY, new SummaryRequest(3600, 5).toJson(), options)
        .await(10, TimeUnit.SECONDS).body();
    assertThat(summary.getLong("requests")).isZero();
  }
}

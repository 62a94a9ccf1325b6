package io.recserve.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.PgModelRepository;
import io.recserve.contract.RecommendationEvent;
import io.recserve.serving.PgPools;
import io.recserve.serving.PgSettings;
import io.recserve.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(60)
@ExtendWith(VertxExtension.class)
class PgEventStoreTest {

  /**
   * Found by a review: a batch sent again while its first write was still under way, in another order, could meet
   * that write in PostgreSQL's primary key from both ends. Each then waited for the other (40P01 after a second),
   * and the store took the failed one for an outage. Both writes now end, and each event is stored once.
   */
  @Test
  void twoWritesOfTheSameEventsInOppositeOrdersBothEndAndStoreEachEventOnce(Vertx vertx) throws Exception {
    String schema = TestServices.freshSchema();
    new PgModelRepository(TestServices.postgresUrl(), schema).migrate();
    JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", TestServices.postgresUrl()).put("schema", schema));
    PgEventStore store = new PgEventStore(vertx, PgPools.create(vertx, config), PgSettings.of(config), 30_000, 10_000);
    try {
      List<RecommendationEvent> events = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) events.add(AnalyticsVerticleTest.event(UUID.randomUUID().toString(), i, false, 1));
      List<RecommendationEvent> reversed = new ArrayList<>(events.reversed());

      Future<List<RecommendationEvent>> first = store.write(events);
      Future<List<RecommendationEvent>> second = store.write(reversed);
      Future.join(first, second).otherwiseEmpty().await(50, TimeUnit.SECONDS);
      assertThat(first.cause()).as("the first write").isNull();
      assertThat(second.cause()).as("the second write").isNull();

      Set<String> stored = new HashSet<>();
      for (RecommendationEvent e : first.result()) stored.add(e.requestId());
      for (RecommendationEvent e : second.result()) assertThat(stored.add(e.requestId())).as("stored by both writes: " + e.requestId()).isTrue();
      assertThat(stored).hasSize(events.size());
      assertThat(TestServices.queryLong("select count(*) from " + schema + ".recommendation_events")).isEqualTo(events.size());
    } finally {
      store.close().await(10, TimeUnit.SECONDS);
    }
  }
}

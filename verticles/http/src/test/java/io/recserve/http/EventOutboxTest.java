package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.EventBatch;
import io.recserve.contract.RecommendationEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(30)
@ExtendWith(VertxExtension.class)
class EventOutboxTest {

  private static RecommendationEvent event(String requestId) {
    return new RecommendationEvent(requestId, RecommendationEvent.RECOMMEND, 1, 1, new int[] {2}, new float[] {0.5f}, 1, false, 1, System.currentTimeMillis());
  }

  /**
   * Found by a review: an event added once the stop's flush had begun (a request still being answered) stayed in the
   * batch being filled, which nothing sent any more, and the flush waited out its whole time for it.
   */
  @Test
  void aFlushSendsAnEventAddedAfterItBeganAndEndsWhenBothAreConfirmed(Vertx vertx) throws Exception {
    Codecs.register(vertx);
    List<String> received = new CopyOnWriteArrayList<>();
    vertx.eventBus().consumer(Addresses.ANALYTICS_INGEST, m -> {
      EventBatch.of(m.body()).events().forEach(e -> received.add(e.requestId()));
      m.reply(null);
    });
    long deadline = System.currentTimeMillis() + 15_000;
    Promise<Future<Void>> flushing = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      // batches of 100 by size, or every minute by age: neither seals the two events here
      EventOutbox outbox = new EventOutbox(vertx, 100, 60_000, 1_000, 2, 5_000, 1_000, null);
      outbox.add(event("before-the-flush"));
      Future<Void> flushed = outbox.flush(deadline);
      outbox.add(event("after-the-flush"));
      flushing.complete(flushed);
    });
    flushing.future().await(5, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS);
    assertThat(System.currentTimeMillis()).as("the flush ended before its deadline").isLessThan(deadline);
    assertThat(received).containsExactly("before-the-flush", "after-the-flush");
  }
}

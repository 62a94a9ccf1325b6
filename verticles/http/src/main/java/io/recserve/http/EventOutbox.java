package io.recserve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.EventBatch;
import io.recserve.contract.RecommendationEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This HTTP verticle's analytics events on their way to the store. Events are gathered into batches (by
 * {@code analytics.send-batch-size} or {@code analytics.batch-age-ms}) and each batch is sent to
 * {@link Addresses#ANALYTICS_INGEST}; an analytics node confirms it once committed. Until then the batch stays here:
 * one that is not confirmed in time, or finds no analytics node, is sent again, with backoff, to whichever analytics
 * node is there. So an analytics node dying loses nothing. At most {@code analytics.send-in-flight} batches wait for
 * their confirmation at once (with 4, the confirmations' round trips capped a full-speed cached load at 36,000 stored
 * events/s). The outbox is bounded ({@code analytics.outbox-max} events): beyond it new events are dropped and counted ({@code recserve_analytics_dropped_total}), and serving never
 * waits. Runs on its verticle's event loop only.
 */
final class EventOutbox {
  private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);
  private final Vertx vertx;
  private final int batchSize;
  private final int max;
  private final int maxInFlight;
  private final long retryMaxMillis;
  private final DeliveryOptions options;
  private List<RecommendationEvent> filling;
  private final ArrayDeque<List<RecommendationEvent>> unsent = new ArrayDeque<>();
  private int inFlight;
  private int held;
  private long dropped;
  private long backoffMillis;
  private long retryTimer = -1;
  private final long ageTimer;
  private final Counter droppedCounter;

  EventOutbox(Vertx vertx, int batchSize, long batchAgeMillis, int max, int maxInFlight, long timeoutMillis, long retryMaxMillis, MeterRegistry registry) {
    this.vertx = vertx;
    this.batchSize = batchSize;
    this.max = max;
    this.maxInFlight = Math.max(1, maxInFlight);
    this.retryMaxMillis = retryMaxMillis;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    this.filling = new ArrayList<>(batchSize);
    this.ageTimer = vertx.setPeriodic(batchAgeMillis, id -> {
      seal();
      send();
    });
    if (registry != null) {
      Gauge.builder("recserve_analytics_outbox", this, o -> o.held).description("events waiting to be confirmed by an analytics node")
          .tag("verticle", Integer.toHexString(System.identityHashCode(this))).register(registry);
      droppedCounter = Counter.builder("recserve_analytics_dropped").description("events dropped because the outbox was full").register(registry);
    } else {
      droppedCounter = null;
    }
  }

  /** Adds an event; never waits. */
  void add(RecommendationEvent event) {
    if (held >= max) {
      dropped++;
      if (droppedCounter != null) droppedCounter.increment();
      if (dropped == 1 || dropped % 1000 == 0) LOG.warn("analytics outbox full ({} events unconfirmed): {} events dropped so far", max, dropped);
      return;
    }
    held++;
    filling.add(event);
    if (filling.size() >= batchSize) {
      seal();
      send();
    }
  }

  private void seal() {
    if (filling.isEmpty()) return;
    unsent.addLast(filling);
    filling = new ArrayList<>(batchSize);
  }

  private void send() {
    // Not while backing off after a failure; a request can fail at once (no analytics node), inside this loop.
    while (retryTimer < 0 && inFlight < maxInFlight && !unsent.isEmpty()) {
      List<RecommendationEvent> batch = unsent.removeFirst();
      inFlight++;
      vertx.eventBus().request(Addresses.ANALYTICS_INGEST, new EventBatch(batch), options).onComplete(ar -> {
        inFlight--;
        if (ar.succeeded()) {
          held -= batch.size();
          if (backoffMillis > 0) LOG.info("analytics nodes confirm events again; {} events waiting", held);
          backoffMillis = 0;
          send();
        } else {
          unsent.addFirst(batch);
          backoffMillis = backoffMillis == 0 ? 50 : Math.min(retryMaxMillis, backoffMillis * 2);
          if (backoffMillis >= 800 && Long.bitCount(backoffMillis / 50) == 1) {
            LOG.warn("analytics events not confirmed ({}); {} events kept, sending again in {} ms", ar.cause().getMessage(), held, backoffMillis);
          }
          if (retryTimer < 0) retryTimer = vertx.setTimer(backoffMillis, id -> {
            retryTimer = -1;
            send();
          });
        }
      });
    }
  }

  int held() {
    return held;
  }

  long dropped() {
    return dropped;
  }

  /** Sends what is left and waits until an analytics node confirmed it, or until {@code deadlineMillis}. */
  Future<Void> flush(long deadlineMillis) {
    vertx.cancelTimer(ageTimer);
    seal();
    Promise<Void> done = Promise.promise();
    waitEmpty(done, deadlineMillis);
    return done.future();
  }

  private void waitEmpty(Promise<Void> done, long deadlineMillis) {
    if (held == 0) {
      done.complete();
      return;
    }
    if (System.currentTimeMillis() > deadlineMillis) {
      LOG.error("stopping with {} analytics events not confirmed by any analytics node", held);
      done.complete();
      return;
    }
    seal(); // an event added since the flush began (a request that was still being answered) goes too
    if (retryTimer < 0) send();
    vertx.setTimer(20, id -> waitEmpty(done, deadlineMillis));
  }
}

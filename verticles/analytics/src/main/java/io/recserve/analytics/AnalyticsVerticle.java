package io.recserve.analytics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.EventBatch;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.SummaryRequest;
import io.recserve.contract.TimeSeriesRequest;
import io.recserve.serving.DataFolder;
import io.recserve.contract.NodeIdentity;
import io.recserve.serving.PgPools;
import io.recserve.serving.PgSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the recommendation events HTTP nodes send in batches to {@link Addresses#ANALYTICS_INGEST}, and confirms a
 * batch only once it is committed: written to the {@link EventStore} (PostgreSQL or the events file), or, while the
 * store is down, forced to a local {@link SpillFile}, which is written to the store when it returns. An unconfirmed
 * batch stays in the sender's outbox and is sent again, so a crash of this node loses nothing; storing is idempotent
 * on request_id, so nothing is stored twice. Batches arriving during a write are written together by the next one.
 *
 * <p>A batch the store refuses for its data (not for being unreachable) is split in halves until the bad events are
 * found; they are set aside with the reason (a dead-letter table or file) and counted, and the others stored.
 * Stored events are published on {@link Addresses#ANALYTICS_STREAM}, the address outside consumers read.
 */
public final class AnalyticsVerticle extends VerticleBase {
  public static final String ROLE = "analytics";
  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsVerticle.class);

  private record Pending(List<RecommendationEvent> events, Message<Object> message) {}

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private EventStore store;
  private SpillFile spill;
  private int writeMax;
  private long retryMaxMillis;
  private long stopTimeoutMillis;
  /** Writes under way; at most {@code analytics.writes-in-flight}. */
  private int writing;
  private int maxWriting;
  private boolean storeDown;
  private boolean draining;
  private long retryMillis;
  private Instant downSince;
  private String lastError;
  private int queuedEvents;
  /** Spill appends started; the drain compares it before and after emptying the file (see {@link #drain}). */
  private long spillsStarted;
  private Counter rejectedCounter;
  private MessageConsumer<Object> ingest;
  private EventStreamBridge bridge;

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    JsonObject a = config().getJsonObject("analytics", new JsonObject());
    writeMax = Math.max(1, a.getInteger("batch-size", 1000)) * 4;
    maxWriting = Math.max(1, a.getInteger("writes-in-flight", 3));
    retryMaxMillis = a.getLong("retry-max-ms", 5000L);
    stopTimeoutMillis = a.getLong("stop-timeout-ms", 30_000L);
    Path folder = DataFolder.of(config()).resolve("analytics");
    Future<Void> opened;
    if (PgPools.configured(config())) {
      store = new PgEventStore(vertx, PgPools.create(vertx, config()), PgSettings.of(config()), a.getLong("write-timeout-ms", 30_000L),
          a.getLong("summary-timeout-ms", 10_000L));
      opened = Future.succeededFuture();
    } else {
      String file = a.getString("file", "");
      Path path = file.isBlank() ? folder.resolve("events.jsonl") : Path.of(file);
      FileEventStore fileStore = new FileEventStore(vertx, path, FileEventStore.logOptions(a));
      store = fileStore;
      opened = fileStore.open();
      folder = path.toAbsolutePath().getParent();
    }
    String spillName = a.getString("spill-file", "");
    Path spillPath = spillName.isBlank() ? folder.resolve("spill.jsonl") : Path.of(spillName);
    // The spill file is open, and what an earlier outage left in it known, before the first batch is taken.
    Future<Void> spilled = vertx.<SpillFile>executeBlocking(() -> {
      try {
        return new SpillFile(spillPath);
      } catch (java.io.IOException e) {
        LOG.warn("analytics: no spill file ({}: {}); while the store is down, batches stay unconfirmed in the senders' outboxes", spillPath, e.toString());
        return null;
      }
    }).map(file -> {
      spill = file;
      if (spill != null && spill.records() > 0) {
        LOG.info("analytics: {} events in the spill file {} from an earlier outage; storing them", spill.records(), spillPath);
        storeDown = true;
        downSince = Instant.now();
      }
      return null;
    });
    registerMetrics();
    Future<Void> ingesting = spilled.compose(v -> {
      ingest = vertx.eventBus().consumer(Addresses.ANALYTICS_INGEST, this::ingest);
      return ingest.completion();
    });
    MessageConsumer<JsonObject> summary = vertx.eventBus().consumer(Addresses.ANALYTICS_SUMMARY, this::summary);
    MessageConsumer<JsonObject> series = vertx.eventBus().consumer(Addresses.ANALYTICS_TIMESERIES, this::timeSeries);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    JsonObject b = config().getJsonObject("bridge", new JsonObject());
    Future<?> bridged = !b.getBoolean("enabled", false) ? Future.succeededFuture()
        : EventStreamBridge.start(vertx, b.getString("host", "127.0.0.1"), b.getInteger("port", 7001), b).onSuccess(started -> {
          bridge = started;
          LOG.info("event stream bridge on TCP {}:{} ({} only, outbound{}{})", b.getString("host", "127.0.0.1"), b.getInteger("port", 7001),
              Addresses.ANALYTICS_STREAM, b.getString("token", "").isBlank() ? "" : ", token required",
              b.getJsonObject("tls", new JsonObject()).getString("cert-file", "").isBlank() ? "" : ", TLS");
        });
    return Future.join(java.util.List.of(opened, spilled, ingesting, summary.completion(), series.completion(), status.completion(), bridged))
        .onSuccess(v -> {
          if (storeDown) scheduleDrain(0);
        });
  }

  private void registerMetrics() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) return;
    Gauge.builder("recserve_analytics_backlog", this, AnalyticsVerticle::backlog)
        .description("events received and not yet in the store (queued or in the spill file)").register(registry);
    Gauge.builder("recserve_analytics_stored", stored, AtomicLong::get).description("events stored since start").register(registry);
    rejectedCounter = Counter.builder("recserve_analytics_rejected").description("events the store refused for their data, set aside").register(registry);
  }

  private long spilled() {
    return spill == null ? 0 : spill.records();
  }

  private long backlog() {
    return queuedEvents + spilled();
  }

  // ---- ingest ----

  private void ingest(Message<Object> message) {
    EventBatch batch;
    try {
      batch = EventBatch.of(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, "malformed event batch: " + e.getMessage());
      return;
    }
    queue.addLast(new Pending(batch.events(), message));
    queuedEvents += batch.events().size();
    writeNext();
  }

  /**
   * Writes the batches queued (up to {@code 4 × analytics.batch-size} events) in one go, with up to
   * {@code analytics.writes-in-flight} writes under way at once: one at a time, the store's round trips could not keep
   * up with a full-speed cached load (36,000 events/s stored against 47,000 answered; docs/performance.md). Batches are
   * independent (each event is stored once by its request id, whatever the order), and each is confirmed when committed.
   */
  private void writeNext() {
    if (writing >= maxWriting || queue.isEmpty()) return;
    writing++;
    List<Pending> taken = new ArrayList<>();
    List<RecommendationEvent> events = new ArrayList<>();
    while (!queue.isEmpty() && (taken.isEmpty() || events.size() + queue.peekFirst().events().size() <= writeMax)) {
      Pending p = queue.removeFirst();
      taken.add(p);
      events.addAll(p.events());
    }
    queuedEvents -= events.size();
    Future<Void> committed = storeDown ? spill(events) : store(events).recover(e -> {
      markDown(e);
      return spill(events);
    });
    writeNext(); // another write may start while this one is under way
    committed.onComplete(ar -> {
      writing--;
      for (Pending p : taken) {
        if (ar.succeeded()) p.message().reply(new JsonObject().put("stored", p.events().size()));
        else p.message().fail(FailureCodes.STORE_UNAVAILABLE, "analytics store and spill file unavailable");
      }
      writeNext();
    });
  }

  /** Writes to the store; events the store refuses for their data are found by halving and set aside. */
  private Future<Void> store(List<RecommendationEvent> events) {
    return store.write(events).transform(ar -> {
      if (ar.succeeded()) {
        List<RecommendationEvent> fresh = ar.result();
        stored.addAndGet(fresh.size());
        if (!fresh.isEmpty()) { // each event on the stream once: not again when its batch is sent again
          EventBatch batch = new EventBatch(List.copyOf(fresh));
          vertx.eventBus().publish(Addresses.ANALYTICS_STREAM, LazyJson.of(batch::toJson));
        }
        return Future.succeededFuture();
      }
      if (!store.refusedData(ar.cause())) return Future.failedFuture(ar.cause());
      if (events.size() == 1) {
        RecommendationEvent bad = events.get(0);
        rejected.incrementAndGet();
        if (rejectedCounter != null) rejectedCounter.increment();
        LOG.warn("analytics: the store refused event {} ({}); set aside, not retried", bad.requestId(), ar.cause().getMessage());
        // A dead-letter row the store refuses too (a value neither table takes) is logged whole instead: taken for an
        // outage, it would send every later batch to the spill file, whose drain would meet it again for ever.
        return store.reject(bad, String.valueOf(ar.cause().getMessage())).recover(e -> {
          if (!store.refusedData(e)) return Future.failedFuture(e);
          LOG.warn("analytics: the store refused to set event {} aside too ({}); it is not kept, here it is: {}", bad.requestId(), e.getMessage(),
              bad.toJson().encode());
          return Future.succeededFuture();
        });
      }
      int half = events.size() / 2;
      return store(events.subList(0, half)).compose(v -> store(events.subList(half, events.size())));
    });
  }

  private Future<Void> spill(List<RecommendationEvent> events) {
    if (spill == null) return Future.failedFuture("no spill file");
    spillsStarted++;
    return vertx.<Void>executeBlocking(() -> {
      spill.append(events);
      return null;
    }, true).onFailure(e -> LOG.warn("analytics: the spill file failed too ({}); the senders keep the events and retry", e.toString()));
  }

  private void markDown(Throwable e) {
    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (storeDown) return;
    storeDown = true;
    downSince = Instant.now();
    LOG.warn("analytics store {} failed ({}); events go to the spill file until it is back", store.name(), lastError);
    scheduleDrain(100);
  }

  // ---- drain the spill file once the store is back ----

  private void scheduleDrain(long delayMillis) {
    if (draining || spill == null) {
      if (spill == null) retryWithoutSpill(delayMillis);
      return;
    }
    draining = true;
    vertx.setTimer(Math.max(1, delayMillis), id -> drain(0));
  }

  /**
   * Stores the spill file from {@code from} on, chunk by chunk, then empties it and declares the store back (-1). A
   * batch that arrives while the emptying waits its turn on the worker is still spilled, after it: the file is then
   * emptied under it, so the drain goes on from the start rather than leave those confirmed events in the file.
   */
  private void drain(long from) {
    vertx.executeBlocking(() -> spill.read(from, writeMax), true).compose(chunk -> {
      if (chunk.events().isEmpty()) {
        long spillsBefore = spillsStarted;
        return vertx.executeBlocking(() -> spill.emptyIfDrained(chunk.end()), true)
            .map(empty -> !empty ? chunk.end() : spillsStarted == spillsBefore ? -1L : 0L);
      }
      return store(chunk.events()).map(v -> {
        writeToStoreAgain();
        return chunk.end();
      });
    }).onComplete(ar -> {
      if (ar.succeeded() && ar.result() < 0) {
        draining = false;
        storeDown = false;
        retryMillis = 0;
        LOG.info("analytics store {} is back; the spill file is stored and emptied ({} s down)", store.name(),
            downSince == null ? 0 : java.time.Duration.between(downSince, Instant.now()).toSeconds());
        lastError = null;
        downSince = null;
      } else if (ar.succeeded()) {
        drain(ar.result());
      } else {
        lastError = ar.cause().getMessage();
        retryMillis = retryMillis == 0 ? 100 : Math.min(retryMaxMillis, retryMillis * 2);
        vertx.setTimer(retryMillis, id -> drain(from));
      }
    });
  }

  /**
   * The store took a chunk of the spill file: new batches go to it again, while the drain goes on with the rest of the
   * file. Were they spilled until the file was empty, a steady flow faster than one drain could keep the node on its
   * spill file for ever. Storing is idempotent on request_id, so the order of the two does not matter.
   */
  private void writeToStoreAgain() {
    if (!storeDown) return;
    storeDown = false;
    retryMillis = 0;
    lastError = null;
    LOG.info("analytics store {} takes events again; the spill file's {} events are stored meanwhile", store.name(), spilled());
    writeNext();
  }

  /** Without a spill file: probe the store now and then; batches meanwhile fail and stay with their senders. */
  private void retryWithoutSpill(long delayMillis) {
    if (draining) return;
    draining = true;
    vertx.setTimer(Math.max(100, delayMillis), id -> store.write(List.of()).onComplete(ar -> {
      draining = false;
      if (ar.succeeded()) {
        storeDown = false;
        lastError = null;
        downSince = null;
        LOG.info("analytics store {} is back", store.name());
      } else {
        retryWithoutSpill(Math.min(retryMaxMillis, Math.max(200, delayMillis * 2)));
      }
    }));
  }

  // ---- stop ----

  /**
   * Stops taking batches, commits those already received (for at most {@code analytics.stop-timeout-ms}), then
   * closes the store. Whatever is not confirmed by then is still in the senders' outboxes.
   */
  @Override
  public Future<?> stop() {
    Future<Void> bridgeClosed = bridge == null ? Future.succeededFuture() : bridge.close();
    Promise<Void> idle = Promise.promise();
    long deadline = System.currentTimeMillis() + stopTimeoutMillis;
    Future<Void> unregistered = ingest == null ? Future.succeededFuture() : ingest.unregister();
    unregistered.onComplete(ar -> waitIdle(idle, deadline));
    return Future.join(idle.future(), bridgeClosed).andThen(ar -> LOG.info("analytics stopped: {} events stored this run, {} in the spill file", stored.get(),
        spilled())).transform(ar -> store.close()).andThen(ar -> {
          try {
            if (spill != null) spill.close();
          } catch (Exception e) {
            LOG.warn("closing the spill file: {}", e.toString());
          }
        });
  }

  private void waitIdle(Promise<Void> idle, long deadline) {
    if ((writing == 0 && queue.isEmpty()) || System.currentTimeMillis() > deadline) {
      idle.complete();
      return;
    }
    writeNext();
    vertx.setTimer(10, id -> waitIdle(idle, deadline));
  }

  // ---- summary and status ----

  private void summary(Message<JsonObject> message) {
    SummaryRequest request = SummaryRequest.fromJson(message.body());
    store.summary(request.windowSeconds(), request.top())
        .onSuccess(s -> message.reply(s.put("backlog", backlog()).put("rejected", rejected.get())))
        .onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, "analytics store unavailable"));
  }

  /** Per-minute buckets for the console's live traffic, computed by the store. */
  private void timeSeries(Message<JsonObject> message) {
    TimeSeriesRequest request;
    try {
      request = TimeSeriesRequest.fromJson(message.body() == null ? new JsonObject() : message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    store.timeSeries(request.fromMillis(System.currentTimeMillis()), request.minutes(), request.top())
        .onSuccess(message::reply)
        .onFailure(e -> {
          LOG.warn("analytics time series failed: {}", e.toString());
          message.fail(FailureCodes.STORE_UNAVAILABLE, "analytics store unavailable");
        });
  }

  private void status(Message<JsonObject> message) {
    JsonObject details = new JsonObject().put("store", store.name()).put("backlog", backlog())
        .put("spilled", spilled()).put("stored", stored.get()).put("rejected", rejected.get());
    if (lastError != null) details.put("error", lastError);
    if (downSince != null) details.put("store_down_since", downSince.toString());
    message.reply(new ComponentStatus(ROLE, NodeIdentity.id(), !storeDown, 0, details).toJson());
  }
}

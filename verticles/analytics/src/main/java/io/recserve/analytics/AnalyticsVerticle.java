package io.recserve.analytics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.RecommendationEvent;
import io.recserve.contract.SummaryRequest;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgPools;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every {@link RecommendationEvent} published on {@link Addresses#ANALYTICS_EVENTS}: events wait in a bounded
 * buffer and are written in batches (by size or age) to the {@link EventStore}, one batch at a time, in order. A
 * failed write keeps the batch and retries with exponential backoff; while the buffer is full new events are counted
 * as dropped and logged, and serving never waits. Stopping the verticle (SIGTERM) writes out whatever is buffered.
 */
public final class AnalyticsVerticle extends VerticleBase {
  public static final String ROLE = "analytics";
  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsVerticle.class);
  private final String node = ManagementFactory.getRuntimeMXBean().getName();
  private final ArrayDeque<JsonObject> buffer = new ArrayDeque<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong stored = new AtomicLong();
  private EventStore store;
  private int batchSize;
  private long batchAgeMillis;
  private int bufferMax;
  private long retryMaxMillis;
  private long stopTimeoutMillis;
  private long backoffMillis;
  private boolean writing;
  private long retryTimer = -1;
  private long flushTimer = -1;
  private String lastError;
  private Counter droppedCounter;
  private io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge bridge;

  @Override
  public Future<?> start() {
    JsonObject a = config().getJsonObject("analytics", new JsonObject());
    batchSize = a.getInteger("batch-size", 500);
    batchAgeMillis = a.getLong("batch-age-ms", 250L);
    bufferMax = a.getInteger("buffer-max", 100_000);
    retryMaxMillis = a.getLong("retry-max-ms", 5000L);
    stopTimeoutMillis = a.getLong("stop-timeout-ms", 30_000L);
    Future<Void> opened;
    if (PgPools.configured(config())) {
      store = new PgEventStore(PgPools.create(vertx, config()));
      opened = Future.succeededFuture();
    } else {
      String file = a.getString("file", "");
      Path path = file.isBlank() ? DataFolder.of(config()).resolve("analytics").resolve("events.jsonl") : Path.of(file);
      FileEventStore fileStore = new FileEventStore(vertx, path, FileEventStore.logOptions(a));
      store = fileStore;
      opened = fileStore.open();
    }
    registerMetrics();
    MessageConsumer<JsonObject> events = vertx.eventBus().consumer(Addresses.ANALYTICS_EVENTS, this::event);
    MessageConsumer<JsonObject> summary = vertx.eventBus().consumer(Addresses.ANALYTICS_SUMMARY, this::summary);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    flushTimer = vertx.setPeriodic(batchAgeMillis, id -> flush());
    JsonObject b = config().getJsonObject("bridge", new JsonObject());
    Future<?> bridged = !b.getBoolean("enabled", false) ? Future.succeededFuture()
        : EventStreamBridge.start(vertx, b.getString("host", "0.0.0.0"), b.getInteger("port", 7001)).onSuccess(started -> {
          bridge = started;
          LOG.info("event stream bridge on TCP port {} ({} only, outbound)", b.getInteger("port", 7001), Addresses.ANALYTICS_EVENTS);
        });
    return Future.join(opened, events.completion(), summary.completion(), status.completion(), bridged);
  }

  private void registerMetrics() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) return;
    Gauge.builder("recserve_analytics_backlog", buffer, ArrayDeque::size).description("events waiting to be stored").register(registry);
    droppedCounter = Counter.builder("recserve_analytics_dropped").description("events dropped because the buffer was full").register(registry);
    Gauge.builder("recserve_analytics_stored", stored, AtomicLong::get).description("events stored since start").register(registry);
  }

  /** Writes out everything still buffered (for at most {@code analytics.stop-timeout-ms}), then closes the store. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
    if (bridge != null) bridge.close();
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + stopTimeoutMillis;
    drain(drained, deadline);
    return drained.future().andThen(ar -> {
      if (!buffer.isEmpty()) LOG.error("stopping with {} events not stored: {}", buffer.size(), lastError);
      else LOG.info("analytics stopped: every event stored ({} this run)", stored.get());
    }).transform(ar -> store.close());
  }

  private void drain(Promise<Void> done, long deadline) {
    if (buffer.isEmpty() || System.currentTimeMillis() > deadline) {
      done.complete();
      return;
    }
    if (writing) {
      vertx.setTimer(20, id -> drain(done, deadline));
      return;
    }
    writeBatch().onComplete(ar -> {
      if (ar.failed()) vertx.setTimer(200, id -> drain(done, deadline));
      else drain(done, deadline);
    });
  }

  private void event(Message<JsonObject> message) {
    JsonObject event = message.body();
    try {
      RecommendationEvent.fromJson(event);
      UUID.fromString(event.getString("request_id"));
    } catch (RuntimeException e) {
      LOG.warn("ignoring a malformed analytics event: {}", e.getMessage());
      return;
    }
    if (buffer.size() >= bufferMax) {
      long n = dropped.incrementAndGet();
      if (droppedCounter != null) droppedCounter.increment();
      if (n == 1 || n % 1000 == 0) LOG.warn("analytics buffer full ({} events, store: {}): {} events dropped so far", bufferMax, lastError, n);
      return;
    }
    buffer.addLast(event);
    if (buffer.size() >= batchSize) flush();
  }

  private void flush() {
    if (writing || retryTimer >= 0 || buffer.isEmpty()) return;
    writeBatch();
  }

  /** Writes the oldest batch; on failure keeps it and schedules a retry with backoff. */
  private Future<Void> writeBatch() {
    writing = true;
    List<JsonObject> batch = new ArrayList<>(Math.min(batchSize, buffer.size()));
    var it = buffer.iterator();
    while (it.hasNext() && batch.size() < batchSize) batch.add(it.next());
    return store.write(batch).andThen(ar -> {
      writing = false;
      if (ar.succeeded()) {
        for (int i = 0; i < batch.size(); i++) buffer.removeFirst();
        stored.addAndGet(batch.size());
        if (lastError != null) LOG.info("analytics store {} is back; {} events waiting", store.name(), buffer.size());
        lastError = null;
        backoffMillis = 0;
        if (buffer.size() >= batchSize) vertx.runOnContext(v -> flush());
      } else {
        lastError = ar.cause().getMessage();
        backoffMillis = backoffMillis == 0 ? 100 : Math.min(retryMaxMillis, backoffMillis * 2);
        LOG.warn("analytics store {} failed ({}); {} events buffered, retrying in {} ms", store.name(), lastError, buffer.size(), backoffMillis);
        retryTimer = vertx.setTimer(backoffMillis, id -> {
          retryTimer = -1;
          flush();
        });
      }
    });
  }

  private void summary(Message<JsonObject> message) {
    SummaryRequest request = SummaryRequest.fromJson(message.body());
    store.summary(request.windowSeconds(), request.top())
        .onSuccess(s -> message.reply(s.put("backlog", buffer.size()).put("dropped", dropped.get())))
        .onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, "analytics store: " + e.getMessage()));
  }

  private void status(Message<JsonObject> message) {
    JsonObject details = new JsonObject().put("store", store.name()).put("backlog", buffer.size()).put("dropped", dropped.get())
        .put("stored", stored.get());
    if (lastError != null) details.put("error", lastError);
    message.reply(new ComponentStatus(ROLE, node, lastError == null, 0, details).toJson());
  }
}

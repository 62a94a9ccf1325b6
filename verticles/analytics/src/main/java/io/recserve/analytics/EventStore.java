package io.recserve.analytics;

import io.recserve.contract.RecommendationEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Where recommendation events are kept: an append-only file or PostgreSQL. Writes are idempotent on request_id. */
interface EventStore {
  /**
   * Stores the events that are not stored yet, and gives those it stored: not an event stored before (a batch sent
   * again), nor a second copy of one in the same list. A failure stores nothing, or only whole events a retry skips.
   */
  Future<List<RecommendationEvent>> write(List<RecommendationEvent> events);

  /**
   * True when {@code failure} (of {@link #write}) says the store refused the data itself, not that it was unreachable:
   * then retrying the same events would fail for ever, and the one bad event is found and set aside instead.
   */
  default boolean refusedData(Throwable failure) {
    return false;
  }

  /** Keeps an event the store refused, with the reason, apart from the others (a dead-letter table or file). */
  Future<Void> reject(RecommendationEvent event, String reason);

  /** Aggregates over the last {@code windowSeconds}, per model version; see docs/event-bus.md for the shape. */
  Future<JsonObject> summary(long windowSeconds, int top);

  /**
   * Per-minute buckets from {@code fromMillis} (a minute's start) on, and the {@code top} most recommended movies over
   * them; see {@link TimeSeries} and docs/event-bus.md for the shape.
   */
  Future<JsonObject> timeSeries(long fromMillis, int minutes, int top);

  String name();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

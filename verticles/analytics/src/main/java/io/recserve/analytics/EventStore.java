package io.recserve.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Where recommendation events are kept: an append-only file or PostgreSQL. Writes are idempotent on request_id. */
interface EventStore {
  Future<Void> write(List<JsonObject> events);

  /** Aggregates over the last {@code windowSeconds}, per model version; see docs/event-bus.md for the shape. */
  Future<JsonObject> summary(long windowSeconds, int top);

  String name();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

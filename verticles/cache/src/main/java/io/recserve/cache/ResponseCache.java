package io.recserve.cache;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** A key-value cache of answers with a time to live: in-process (Caffeine) or shared (Redis). */
interface ResponseCache {
  /** The value, or null on a miss. */
  Future<JsonObject> get(String key);

  Future<Void> put(String key, JsonObject value);

  /** A cheap round trip to the backing store, for readiness. */
  Future<Void> ping();

  String name();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

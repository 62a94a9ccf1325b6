package io.recserve.cache;

import io.vertx.core.Future;

/** A key-value cache of answers (opaque text) with a time to live: in-process (Caffeine) or shared (Redis). */
interface ResponseCache {
  /** The value, or null on a miss. */
  Future<String> get(String key);

  Future<Void> put(String key, String value);

  /** A cheap round trip to the backing store, for readiness. */
  Future<Void> ping();

  String name();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

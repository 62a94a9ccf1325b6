package io.recserve.cache;

import io.vertx.core.Future;
import java.util.List;

/**
 * A cache of answers (opaque text) with a time to live, in entries of fields: in-process (Caffeine) or shared
 * (Redis). The entries of one user's answers can be dropped together.
 */
interface ResponseCache {
  /** The value, or null on a miss. */
  Future<String> get(String key, String field);

  Future<Void> put(String key, String field, String value);

  /** Drops whole entries. */
  Future<Void> delete(List<String> keys);

  /** A cheap round trip to the backing store, for readiness. */
  Future<Void> ping();

  String name();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

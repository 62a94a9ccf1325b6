package io.recserve.security;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;

/**
 * A listener's connection handler, for its connection bound ({@link ConnectionLimit}) and its header guard
 * ({@link ConnectionGuard}), either of which may be off. Both listeners use it, the public one and the management one.
 */
public final class ListenerConnections {
  private ListenerConnections() {
  }

  /**
   * Tells {@code limit} and {@code guard} (each may be null) of every new connection, and of its close: a connection
   * holds one close handler, so it is set here for both. Null when both are null: the server then needs none.
   */
  public static Handler<HttpConnection> tracking(ConnectionLimit limit, ConnectionGuard guard) {
    if (limit == null && guard == null) return null;
    return connection -> {
      if (limit != null) limit.opened(connection);
      if (guard != null) guard.opened(connection);
      connection.closeHandler(v -> {
        if (limit != null) limit.closed(connection);
        if (guard != null) guard.closed(connection);
      });
    };
  }
}

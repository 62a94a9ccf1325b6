package io.recserve.security;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.shareddata.Shareable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bound on the connections a node's HTTP server holds open ({@code http.max-connections}), counted across its HTTP
 * verticle instances. A connection accepted beyond the bound is marked; while the node is over the bound, requests on a
 * marked connection are answered 503 and the connection is closed. The check costs one volatile read per request.
 */
public final class ConnectionLimit implements Shareable {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<HttpConnection> refused = ConcurrentHashMap.newKeySet();

  ConnectionLimit(int max) {
    this.max = max;
  }

  /** The node's limit for the listener {@code name}: one counter per Vert.x instance, whatever the verticle instance. */
  public static ConnectionLimit shared(Vertx vertx, String name, int max) {
    ConnectionLimit fresh = new ConnectionLimit(max);
    return (ConnectionLimit) vertx.sharedData().getLocalMap("recserve.security").computeIfAbsent("connections " + name + " " + max, k -> fresh);
  }

  public int max() {
    return max;
  }

  public int open() {
    return open.get();
  }

  /** For the server's connection handler. The connection's close handler must call {@link #closed}. */
  public void opened(HttpConnection connection) {
    if (open.incrementAndGet() > max) refused.add(connection);
  }

  /** For the connection's close handler (one connection holds one close handler: its owner calls each party). */
  public void closed(HttpConnection connection) {
    open.decrementAndGet();
    refused.remove(connection);
  }

  /** True when a request on {@code connection} is to be refused. */
  public boolean refuses(HttpConnection connection) {
    return open.get() > max && refused.contains(connection);
  }
}

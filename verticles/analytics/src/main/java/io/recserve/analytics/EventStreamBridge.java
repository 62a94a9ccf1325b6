package io.recserve.analytics;

import io.recserve.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recommendation event stream for consumers outside the JVM, in any language: Vert.x's TCP event-bus bridge
 * (frames of a 4-byte big-endian length and a UTF-8 JSON object). Only {@link Addresses#ANALYTICS_STREAM} is
 * permitted, and only outbound: a client may register on it and receive; sending, publishing and registering on
 * any other address are refused with an {@code err} frame. Stopping closes every client's connection at once.
 */
final class EventStreamBridge {
  private final TcpEventBusBridge bridge;
  private final Set<NetSocket> clients = ConcurrentHashMap.newKeySet();

  private EventStreamBridge(Vertx vertx) {
    BridgeOptions options = new BridgeOptions().addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ANALYTICS_STREAM));
    this.bridge = TcpEventBusBridge.create(vertx, options, new NetServerOptions(), event -> {
      if (event.type() == BridgeEventType.SOCKET_CREATED) clients.add(event.socket());
      if (event.type() == BridgeEventType.SOCKET_CLOSED) clients.remove(event.socket());
      event.complete(true);
    });
  }

  static Future<EventStreamBridge> start(Vertx vertx, String host, int port) {
    EventStreamBridge started = new EventStreamBridge(vertx);
    return started.bridge.listen(port, host).map(b -> started);
  }

  Future<Void> close() {
    clients.forEach(NetSocket::close);
    return bridge.close();
  }
}

package io.recserve.analytics;

import io.recserve.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;

/**
 * The recommendation event stream for consumers outside the JVM, in any language: Vert.x's TCP event-bus bridge
 * (frames of a 4-byte big-endian length and a UTF-8 JSON object). Only {@link Addresses#ANALYTICS_EVENTS} is
 * permitted, and only outbound: a client may register on it and receive; sending, publishing and registering on
 * any other address are refused with an {@code err} frame.
 */
final class EventStreamBridge {
  private EventStreamBridge() {}

  static Future<TcpEventBusBridge> start(Vertx vertx, String host, int port) {
    BridgeOptions options = new BridgeOptions().addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ANALYTICS_EVENTS));
    return TcpEventBusBridge.create(vertx, options).listen(port, host);
  }
}

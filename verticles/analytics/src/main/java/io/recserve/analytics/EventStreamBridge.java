package io.recserve.analytics;

import io.recserve.contract.Addresses;
import io.recserve.security.ApiKeys;
import io.recserve.security.TlsFiles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.security.MessageDigest;
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
 * any other address are refused with an {@code err} frame. With {@code bridge.token} set, a {@code register} frame must
 * carry it in its headers ({@code {"type": "register", "address": ..., "headers": {"token": "..."}}}); without it, or
 * with another, the frame is refused with an {@code err} frame and nothing is registered (the token is compared by
 * digest, in constant time, and never logged). With {@code bridge.tls} (PEM key and certificate) the bridge speaks TLS.
 * Stopping closes every client's connection at once.
 */
final class EventStreamBridge {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventStreamBridge.class);
  private final TcpEventBusBridge bridge;
  private final Set<NetSocket> clients = ConcurrentHashMap.newKeySet();

  private EventStreamBridge(Vertx vertx, NetServerOptions server, byte[] tokenDigest) {
    BridgeOptions options = new BridgeOptions().addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ANALYTICS_STREAM));
    this.bridge = TcpEventBusBridge.create(vertx, options, server, event -> {
      if (event.type() == BridgeEventType.SOCKET_CREATED) clients.add(event.socket());
      if (event.type() == BridgeEventType.SOCKET_CLOSED) clients.remove(event.socket());
      if (event.type() == BridgeEventType.REGISTER && tokenDigest != null && !tokenMatches(event.getRawMessage(), tokenDigest)) {
        LOG.warn("event stream bridge: a register frame from {} without the token was refused", event.socket().remoteAddress());
        event.complete(false); // the bridge answers {"type": "err", "message": "blocked by bridgeEvent handler"}
        return;
      }
      event.complete(true);
    });
  }

  private static boolean tokenMatches(JsonObject frame, byte[] digest) {
    JsonObject headers = frame == null ? null : frame.getJsonObject("headers");
    Object token = headers == null ? null : headers.getValue("token");
    return token instanceof String t && MessageDigest.isEqual(ApiKeys.sha256(t), digest);
  }

  /** The bridge on {@code host:port}, with the token and TLS of the {@code bridge} section. */
  static Future<EventStreamBridge> start(Vertx vertx, String host, int port, JsonObject settings) {
    NetServerOptions server = new NetServerOptions();
    String token = settings.getString("token", "");
    try {
      PemKeyCertOptions tls = TlsFiles.keyCert(settings.getJsonObject("tls"), "bridge.tls");
      if (tls != null) server.setSsl(true).setKeyCertOptions(tls);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    EventStreamBridge started = new EventStreamBridge(vertx, server, token.isBlank() ? null : ApiKeys.sha256(token));
    return started.bridge.listen(port, host).map(b -> started);
  }

  static Future<EventStreamBridge> start(Vertx vertx, String host, int port) {
    return start(vertx, host, port, new JsonObject());
  }

  Future<Void> close() {
    clients.forEach(NetSocket::close);
    return bridge.close();
  }
}

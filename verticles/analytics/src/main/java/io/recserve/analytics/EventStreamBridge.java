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
 *
 * <p>A client that reads slower than events are stored is reset once more than {@code bridge.max-backlog-bytes} of
 * frames wait for it (looked at every 100 ms): Vert.x's bridge writes every frame to every registered socket without
 * looking, so one stalled consumer would otherwise grow the node's memory without bound until it failed (found by a
 * review). The client may connect again; the events it missed are in the store.
 */
final class EventStreamBridge {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventStreamBridge.class);
  static final int DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
  /** How often each receiver's backlog is looked at: at full speed, about 2 MB of events arrive in that time. */
  private static final long BACKLOG_CHECK_MS = 100;
  private final TcpEventBusBridge bridge;
  /** The sockets registered on the stream (the TCP bridge raises no socket-created or -closed events). */
  private final Set<NetSocket> receivers = ConcurrentHashMap.newKeySet();
  private final int maxBacklogBytes;
  private final Vertx vertx;
  /**
   * The backlog check's timer, set only while a client receives the stream (-1: none). A timer, not a consumer of the
   * stream beside the bridge's: that would get a copy of each batch, built even when nobody receives it
   * ({@link LazyJson}), and it checks a client that stopped reading when publishing has stopped too.
   */
  private long backlogTimer = -1;

  private EventStreamBridge(Vertx vertx, NetServerOptions server, byte[] tokenDigest, int maxBacklogBytes) {
    this.vertx = vertx;
    this.maxBacklogBytes = maxBacklogBytes;
    BridgeOptions options = new BridgeOptions().addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ANALYTICS_STREAM));
    this.bridge = TcpEventBusBridge.create(vertx, options, server, event -> {
      if (event.type() == BridgeEventType.REGISTER && tokenDigest != null && !tokenMatches(event.getRawMessage(), tokenDigest)) {
        LOG.warn("event stream bridge: a register frame from {} without the token was refused", event.socket().remoteAddress());
        event.complete(false); // the bridge answers {"type": "err", "message": "blocked by bridgeEvent handler"}
        return;
      }
      // (a register on any other address is refused by the bridge itself, access_denied)
      boolean onStream = event.type() == BridgeEventType.REGISTER && event.getRawMessage() != null
          && Addresses.ANALYTICS_STREAM.equals(event.getRawMessage().getValue("address"));
      if (onStream && receivers.contains(event.socket())) {
        // Vert.x's bridge would register a second consumer and leak the first: every frame twice, and one consumer
        // outliving the socket (found by a review).
        event.complete(false);
        return;
      }
      if (onStream) watch(event.socket());
      if (event.type() == BridgeEventType.UNREGISTER) forget(event.socket()); // nothing more is written to it
      event.complete(true);
    });
  }

  private synchronized void watch(NetSocket socket) {
    if (!receivers.add(socket)) return;
    socket.setWriteQueueMaxSize(maxBacklogBytes);
    socket.closeHandler(v -> forget(socket));
    if (backlogTimer < 0) backlogTimer = vertx.setPeriodic(BACKLOG_CHECK_MS, id -> closeTheFarBehind());
  }

  private synchronized boolean forget(NetSocket socket) {
    boolean was = receivers.remove(socket);
    if (receivers.isEmpty() && backlogTimer >= 0) {
      vertx.cancelTimer(backlogTimer);
      backlogTimer = -1;
    }
    return was;
  }

  private void closeTheFarBehind() {
    for (NetSocket socket : receivers) {
      if (socket.writeQueueFull() && forget(socket)) {
        LOG.warn("event stream bridge: the consumer at {} is more than {} bytes behind; its connection is closed (the events it misses are in the store)",
            socket.remoteAddress(), maxBacklogBytes);
        abort(socket);
      }
    }
  }

  private static boolean tokenMatches(JsonObject frame, byte[] digest) {
    JsonObject headers = frame == null ? null : frame.getJsonObject("headers");
    Object token = headers == null ? null : headers.getValue("token");
    return token instanceof String t && MessageDigest.isEqual(ApiKeys.sha256(t), digest);
  }

  /**
   * Closes at once with a reset, dropping what waits to be written: Vert.x's {@code close()} (and its connection
   * handler's, which a close of the whole channel passes through) writes everything queued first, which for a client
   * that reads nothing is never. The close starts below Vert.x's handler, through Vert.x's internal socket interface,
   * the one way to it; the bridge then sees the socket end and drops the client's registration.
   */
  private static void abort(NetSocket socket) {
    if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal) {
      io.netty.channel.ChannelHandlerContext context = internal.channelHandlerContext();
      context.channel().config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
      context.close();
    } else {
      socket.close();
    }
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
    int maxBacklog = settings.getInteger("max-backlog-bytes", DEFAULT_MAX_BACKLOG_BYTES);
    if (maxBacklog < 1) return Future.failedFuture(new IllegalArgumentException("bridge.max-backlog-bytes must be 1 or more, got " + maxBacklog));
    EventStreamBridge started = new EventStreamBridge(vertx, server, token.isBlank() ? null : ApiKeys.sha256(token), maxBacklog);
    return started.bridge.listen(port, host).map(b -> started);
  }

  static Future<EventStreamBridge> start(Vertx vertx, String host, int port) {
    return start(vertx, host, port, new JsonObject());
  }

  /** Stops: the server's close, like a socket's, would wait for a stalled client's queue, so receivers are reset first. */
  Future<Void> close() {
    receivers.forEach(socket -> {
      forget(socket);
      abort(socket);
    });
    return bridge.close();
  }
}

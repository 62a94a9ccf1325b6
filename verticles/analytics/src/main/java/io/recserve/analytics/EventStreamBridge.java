package io.recserve.analytics;

import io.recserve.contract.Addresses;
import io.recserve.security.ApiKeys;
import io.recserve.security.TlsFiles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.parsetools.RecordParser;
import java.security.MessageDigest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recommendation event stream for consumers outside the JVM, in any language, over the wire protocol of Vert.x's
 * TCP event-bus bridge: frames of a 4-byte big-endian length and a UTF-8 JSON object. Only
 * {@link Addresses#ANALYTICS_STREAM} is served, and only outbound: a client may {@code register} on it (and
 * {@code unregister}) and receive {@code message} frames, and {@code ping} for a {@code pong}; sending, publishing and
 * registering on any other address are refused with an {@code err} frame. With {@code bridge.token} set, a
 * {@code register} frame must carry it in its headers ({@code {"type": "register", "address": ..., "headers":
 * {"token": "..."}}}); without it, or with another, the frame is refused and nothing is registered (the token is
 * compared by digest, in constant time, and never logged). With {@code bridge.tls} (PEM key and certificate) the bridge
 * speaks TLS. Stopping closes every client's connection at once.
 *
 * <p>Recserve's own, not Vert.x's {@code TcpEventBusBridge}, whose protocol it keeps, because that bridge holds each
 * client to nothing (found by reviews):
 * <ul>
 *   <li>it read a frame of whatever length a client announced into memory before looking at it, so any client of the
 *       port could exhaust the node's memory before a token was checked. Here a frame is at most
 *       {@link #MAX_FRAME_BYTES}; a longer one is answered {@code frame_too_large} and the connection closed;</li>
 *   <li>it wrote every stored event to every registered client without looking: a consumer that stopped reading grew
 *       the node's memory by every event stored. Here a receiver more than {@code bridge.max-backlog-bytes} behind is
 *       reset (the events it misses are in the store; it may connect again);</li>
 *   <li>it answered every ping however many pongs waited unread. Here a client's frames are not read while more than
 *       that many bytes of answers wait for it.</li>
 * </ul>
 * Clients' faults (bad frames, resets) are not logged as errors: any client of the port could fill the log that way.
 */
final class EventStreamBridge {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventStreamBridge.class);
  static final int DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
  /** A client sends only register, unregister and ping frames, a few hundred bytes with a token. */
  static final int MAX_FRAME_BYTES = 64 * 1024;
  /** The answer to a register frame without the token: the text Vert.x's bridge gave, which clients may match. */
  static final String NO_TOKEN = "blocked by bridgeEvent handler";

  private final NetServer server;
  private final byte[] tokenDigest;
  private final int maxBacklogBytes;
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();

  private EventStreamBridge(Vertx vertx, NetServerOptions options, byte[] tokenDigest, int maxBacklogBytes) {
    this.tokenDigest = tokenDigest;
    this.maxBacklogBytes = maxBacklogBytes;
    this.server = vertx.createNetServer(options).connectHandler(socket -> new Client(vertx, socket));
  }

  /** One connection: its frames read one at a time, in order, on the verticle's event loop. */
  private final class Client {
    private final Vertx vertx;
    private final NetSocket socket;
    private final RecordParser frames = RecordParser.newFixed(4);
    /** The next frame's length, or -1 while its length is being read. */
    private int length = -1;
    private volatile MessageConsumer<JsonObject> receiving;
    /** Written by a stop, on the verticle's thread, as well. */
    private volatile boolean closed;

    Client(Vertx vertx, NetSocket socket) {
      this.vertx = vertx;
      this.socket = socket;
      clients.add(this);
      socket.setWriteQueueMaxSize(maxBacklogBytes);
      frames.handler(this::record);
      socket.handler(frames);
      socket.closeHandler(v -> end());
      socket.exceptionHandler(e -> LOG.debug("event stream bridge: client {}: {}", socket.remoteAddress(), e.toString()));
    }

    private void record(Buffer record) {
      if (closed) return;
      if (length < 0) {
        length = record.getInt(0);
        if (length < 0 || length > MAX_FRAME_BYTES) {
          LOG.warn("event stream bridge: the client at {} announced a frame of {} bytes (at most {}); its connection is closed",
              socket.remoteAddress(), Integer.toUnsignedLong(length), MAX_FRAME_BYTES);
          answer(err("frame_too_large"));
          end();
          socket.close();
          return;
        }
        if (length > 0) {
          frames.fixedSizeMode(length);
          return;
        }
      }
      length = -1;
      frames.fixedSizeMode(4);
      JsonObject frame;
      try {
        frame = record.length() == 0 ? null : record.toJsonObject();
      } catch (DecodeException | ClassCastException e) {
        frame = null;
      }
      if (frame == null) answer(err("invalid_json"));
      else handle(frame);
    }

    private void handle(JsonObject frame) {
      Object type = frame.getValue("type");
      Object address = frame.getValue("address");
      if ("ping".equals(type)) {
        answer(new JsonObject().put("type", "pong"));
      } else if (!"register".equals(type) && !"unregister".equals(type) && !"send".equals(type) && !"publish".equals(type)) {
        answer(err("unknown_type"));
      } else if ("register".equals(type) && tokenDigest != null && !tokenMatches(frame)) {
        LOG.warn("event stream bridge: a register frame from {} without the token was refused", socket.remoteAddress());
        answer(err(NO_TOKEN));
      } else if (!(address instanceof String)) {
        answer(err("missing_address"));
      } else if (!Addresses.ANALYTICS_STREAM.equals(address) || "send".equals(type) || "publish".equals(type)) {
        answer(err("access_denied")); // nothing a client sends reaches the bus
      } else if ("register".equals(type)) {
        if (receiving != null) answer(err("already_registered")); // one copy of each event per connection
        else receiving = vertx.eventBus().consumer(Addresses.ANALYTICS_STREAM, this::deliver);
      } else if (receiving == null) {
        answer(err("unknown_address"));
      } else {
        stopReceiving();
      }
    }

    private boolean tokenMatches(JsonObject frame) {
      Object headers = frame.getValue("headers");
      Object token = headers instanceof JsonObject h ? h.getValue("token") : null;
      return token instanceof String t && MessageDigest.isEqual(ApiKeys.sha256(t), tokenDigest);
    }

    private void deliver(Message<JsonObject> event) {
      if (closed) return;
      JsonObject headers = new JsonObject();
      event.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
      write(new JsonObject().put("type", "message").put("address", event.address()).put("headers", headers)
          .put("body", event.body()).put("send", event.isSend()));
      if (socket.writeQueueFull()) {
        LOG.warn("event stream bridge: the consumer at {} is more than {} bytes behind; its connection is closed (the events it misses are in the store)",
            socket.remoteAddress(), maxBacklogBytes);
        abort();
      }
    }

    /** An answer to the client's own frame: its frames wait while its answers pile up unread. */
    private void answer(JsonObject frame) {
      write(frame);
      if (socket.writeQueueFull() && !closed) {
        socket.pause();
        socket.drainHandler(v -> socket.resume());
      }
    }

    private void write(JsonObject frame) {
      Buffer json = frame.toBuffer();
      socket.write(Buffer.buffer(4 + json.length()).appendInt(json.length()).appendBuffer(json));
    }

    private void stopReceiving() {
      if (receiving != null) receiving.unregister();
      receiving = null;
    }

    private void end() {
      closed = true;
      stopReceiving();
      clients.remove(this);
    }

    /**
     * Closes at once with a reset, dropping what waits to be written: Vert.x's {@code close()} (and its connection
     * handler's, which a close of the whole channel passes through) writes everything queued first, which for a client
     * that reads nothing is never. The close starts below Vert.x's handler, through Vert.x's internal socket interface,
     * the one way to it. On the connection's own event loop, where a connection the client closed meanwhile is seen
     * closed (stopping the node failed on one, found by a test run).
     */
    private void abort() {
      end();
      if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal) {
        io.netty.channel.ChannelHandlerContext context = internal.channelHandlerContext();
        context.executor().execute(() -> {
          if (!context.channel().isOpen()) return;
          context.channel().config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
          context.close();
        });
      } else {
        socket.close();
      }
    }
  }

  private static JsonObject err(String message) {
    return new JsonObject().put("type", "err").put("message", message);
  }

  /** The bridge on {@code host:port}, with the token, TLS and backlog bound of the {@code bridge} section. */
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
    return started.server.listen(port, host).map(s -> started);
  }

  static Future<EventStreamBridge> start(Vertx vertx, String host, int port) {
    return start(vertx, host, port, new JsonObject());
  }

  /** Stops: the server's close, like a socket's, would wait for a stalled client's queue, so clients are reset first. */
  Future<Void> close() {
    clients.forEach(Client::abort);
    return server.close();
  }
}

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The recommendation event stream for consumers outside the JVM, in any language, over the wire protocol of Vert.x's
 * TCP event-bus bridge: frames of a 4-byte big-endian length and a UTF-8 JSON object. Only
 * {@link Addresses#ANALYTICS_STREAM} is served, and only outbound: a client may {@code register} on it (and
 * {@code unregister}) and receive {@code message} frames, and {@code ping} for a {@code pong}; sending, publishing and
 * registering on any other address are refused with an {@code err} frame. With {@code bridge.token} set, a
 * {@code register} frame must carry it in its headers ({@code {"type": "register", "address": ..., "headers":
 * {"token": "..."}}}); without it, or with another, the frame is refused and nothing is registered (the token is
 * compared by digest, in constant time, and never logged). With {@code bridge.tls} (PEM key and certificate) the bridge
 * speaks TLS. Stopping resets every client's connection at once.
 *
 * <p>Recserve's own, not Vert.x's {@code TcpEventBusBridge}, whose protocol it keeps, because that bridge holds its
 * clients to nothing (found by reviews). Here what one client may cost the node is bounded, and so is their number:
 * <ul>
 *   <li>a frame is at most {@link #MAX_FRAME_BYTES}: a longer one is answered {@code frame_too_large} at its length and
 *       the connection closed (Vert.x's read any announced length into memory before a token was checked);</li>
 *   <li>a client that more than {@code bridge.max-backlog-bytes} wait for, counted in bytes written and not yet taken
 *       by the kernel, is reset at its next frame: a receiver that stopped reading (the events it misses are in the
 *       store; it may connect again), and a client that sends pings and reads no pongs alike;</li>
 *   <li>a client not registered on the stream for {@code bridge.register-timeout-ms} is closed
 *       ({@code register_timeout}), and at most {@code bridge.max-connections} are open at once (one more is answered
 *       {@code too_many_connections} and closed);</li>
 *   <li>the stream has one bus consumer for all clients, registered with the first receiver, so registering and
 *       unregistering cost no bus (and, clustered, no Hazelcast) work, and each event is encoded once.</li>
 * </ul>
 * What clients do wrong is logged as WARN at most once a second, with a count of the lines left out: any client of the
 * port could otherwise fill the log.
 *
 * <p>Everything runs on the analytics verticle's event loop: the server is started from it, so its connections,
 * the stream's consumer and the timer are all on it.
 */
final class EventStreamBridge {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventStreamBridge.class);
  static final int DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
  static final int DEFAULT_MAX_CONNECTIONS = 32;
  static final long DEFAULT_REGISTER_TIMEOUT_MS = 10_000;
  /** A client sends only register, unregister and ping frames, a few hundred bytes with a token. */
  static final int MAX_FRAME_BYTES = 64 * 1024;
  /** The answer to a register frame without the token: the text Vert.x's bridge gave, which clients may match. */
  static final String NO_TOKEN = "blocked by bridgeEvent handler";
  /** How long a closing connection may take to write its last answer before it is reset. */
  private static final long CLOSING_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Vertx vertx;
  private final NetServer server;
  private final byte[] tokenDigest;
  private final int maxBacklogBytes;
  private final int maxConnections;
  private final long registerTimeoutNanos;
  private final Set<Client> clients = new LinkedHashSet<>();
  private final Set<Client> receivers = new LinkedHashSet<>();
  /** The stream's one consumer, while some client receives it (dropped by the sweep once none does). */
  private MessageConsumer<JsonObject> stream;
  private long sweeper = -1;
  private long lastWarning;
  private int warningsLeftOut;

  private EventStreamBridge(Vertx vertx, NetServerOptions options, byte[] tokenDigest, int maxBacklogBytes, int maxConnections,
      long registerTimeoutMillis) {
    this.vertx = vertx;
    this.tokenDigest = tokenDigest;
    this.maxBacklogBytes = maxBacklogBytes;
    this.maxConnections = maxConnections;
    this.registerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(registerTimeoutMillis);
    this.server = vertx.createNetServer(options).connectHandler(this::connected);
  }

  private void connected(NetSocket socket) {
    if (clients.size() >= maxConnections) {
      warn("event stream bridge: a connection from {} was refused: {} are open (bridge.max-connections)", socket.remoteAddress(), clients.size());
      socket.handler(ignored -> { });
      socket.write(frame(err("too_many_connections")));
      socket.close();
      return;
    }
    clients.add(new Client(socket));
  }

  /** One connection: its frames read one at a time, in order. */
  private final class Client {
    private final NetSocket socket;
    private final RecordParser frames = RecordParser.newFixed(4);
    /** The next frame's length, or -1 while its length is being read. */
    private int length = -1;
    /** Bytes written to the socket and not yet taken by the kernel. */
    private long pending;
    /** Since when it has not been receiving the stream (connected, or unregistered). */
    private long notReceivingSince = System.nanoTime();
    /** When a close was started (0: none); a close that has not ended a second later is made a reset. */
    private long closingSince;
    private boolean ended;

    Client(NetSocket socket) {
      this.socket = socket;
      frames.handler(this::record);
      socket.handler(frames);
      socket.closeHandler(v -> forget());
      socket.exceptionHandler(e -> LOG.debug("event stream bridge: client {}: {}", socket.remoteAddress(), e.toString()));
    }

    private void record(Buffer record) {
      if (ended || closingSince != 0) return;
      if (length < 0) {
        length = record.getInt(0);
        if (length < 0 || length > MAX_FRAME_BYTES) {
          warn("event stream bridge: the client at {} announced a frame of {} bytes (at most {}); its connection is closed",
              socket.remoteAddress(), Integer.toUnsignedLong(length), MAX_FRAME_BYTES);
          close("frame_too_large");
          return;
        }
        if (length > 0) {
          frames.fixedSizeMode(length);
          return;
        }
      }
      boolean empty = length == 0;
      length = -1;
      frames.fixedSizeMode(4);
      JsonObject frame;
      try {
        frame = empty ? null : record.toJsonObject();
      } catch (DecodeException | ClassCastException e) {
        frame = null;
      }
      if (frame == null) write(frame(err("invalid_json")));
      else handle(frame);
    }

    private void handle(JsonObject frame) {
      Object type = frame.getValue("type");
      Object address = frame.getValue("address");
      if ("ping".equals(type)) {
        write(frame(new JsonObject().put("type", "pong")));
      } else if (!"register".equals(type) && !"unregister".equals(type) && !"send".equals(type) && !"publish".equals(type)) {
        write(frame(err("unknown_type")));
      } else if ("register".equals(type) && tokenDigest != null && !tokenMatches(frame)) {
        warn("event stream bridge: a register frame from {} without the token was refused", socket.remoteAddress());
        write(frame(err(NO_TOKEN)));
      } else if (!(address instanceof String)) {
        write(frame(err("missing_address")));
      } else if (!Addresses.ANALYTICS_STREAM.equals(address) || "send".equals(type) || "publish".equals(type)) {
        write(frame(err("access_denied"))); // nothing a client sends reaches the bus
      } else if ("register".equals(type)) {
        if (!receivers.add(this)) write(frame(err("already_registered"))); // one copy of each event per connection
        else if (stream == null) stream = vertx.eventBus().consumer(Addresses.ANALYTICS_STREAM, EventStreamBridge.this::deliver);
      } else if (receivers.remove(this)) {
        notReceivingSince = System.nanoTime();
      } else {
        write(frame(err("unknown_address")));
      }
    }

    private boolean tokenMatches(JsonObject frame) {
      Object headers = frame.getValue("headers");
      Object token = headers instanceof JsonObject h ? h.getValue("token") : null;
      return token instanceof String t && MessageDigest.isEqual(ApiKeys.sha256(t), tokenDigest);
    }

    /** Writes a frame, unless more than the bound already waits for this client: then it is reset instead. */
    private void write(Buffer frame) {
      if (ended) return;
      if (pending > maxBacklogBytes) {
        warn("event stream bridge: the client at {} is more than {} bytes behind; its connection is reset (the events it misses are in the store)",
            socket.remoteAddress(), maxBacklogBytes);
        abort();
        return;
      }
      int bytes = frame.length();
      pending += bytes;
      socket.write(frame).onComplete(written -> pending -= bytes);
    }

    /** Answers {@code message}, then closes; reset by the sweep if that has not ended in a second. */
    private void close(String message) {
      write(frame(err(message)));
      if (ended) return; // reset instead: too far behind
      receivers.remove(this);
      closingSince = System.nanoTime();
      socket.close();
    }

    private void forget() {
      ended = true;
      receivers.remove(this);
      clients.remove(this);
    }

    /**
     * Closes at once with a reset, dropping what waits to be written: Vert.x's {@code close()} (and its connection
     * handler's, which a close of the whole channel passes through) writes everything queued first, which for a client
     * that reads nothing is never. The close starts at the front of the pipeline, below Vert.x's handler (and TLS's,
     * which would first try to send its own closing message), through Vert.x's internal socket interface, the one way
     * to it; on the connection's own event loop, where a connection the client closed meanwhile is seen closed
     * (stopping the node failed on one, found by a test run).
     */
    private void abort() {
      forget();
      if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal) {
        io.netty.channel.Channel channel = internal.channelHandlerContext().channel();
        channel.eventLoop().execute(() -> {
          if (!channel.isOpen()) return;
          channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
          channel.pipeline().firstContext().close();
        });
      } else {
        socket.close();
      }
    }
  }

  /**
   * A stored batch, encoded once, to every receiver: one frame written to each, not a copy per receiver, since a
   * socket's write takes a slice of the buffer (its own read position, the bytes shared, a release that frees nothing).
   */
  private void deliver(Message<JsonObject> event) {
    if (receivers.isEmpty()) return;
    JsonObject headers = new JsonObject();
    event.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
    Buffer frame = frame(new JsonObject().put("type", "message").put("address", event.address()).put("headers", headers)
        .put("body", event.body()).put("send", event.isSend()));
    for (Client receiver : List.copyOf(receivers)) receiver.write(frame);
  }

  /** Closes the clients that did not register in time, resets those whose close is stuck, drops an unused consumer. */
  private void sweep() {
    long now = System.nanoTime();
    for (Client client : List.copyOf(clients)) {
      if (client.closingSince != 0) {
        if (now - client.closingSince > CLOSING_NANOS) client.abort();
      } else if (!receivers.contains(client) && now - client.notReceivingSince > registerTimeoutNanos) {
        client.close("register_timeout");
      }
    }
    if (receivers.isEmpty() && stream != null) {
      stream.unregister();
      stream = null;
    }
  }

  /** A WARN line, unless one was written less than a second ago: then it is counted, and the count told with the next. */
  private void warn(String message, Object... args) {
    long now = System.nanoTime();
    if (lastWarning != 0 && now - lastWarning < TimeUnit.SECONDS.toNanos(1)) {
      warningsLeftOut++;
      return;
    }
    lastWarning = now;
    if (warningsLeftOut > 0) {
      LOG.warn(message + " (and {} such lines left out since the last one)", append(args, warningsLeftOut));
      warningsLeftOut = 0;
    } else {
      LOG.warn(message, args);
    }
  }

  private static Object[] append(Object[] args, Object last) {
    Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = last;
    return all;
  }

  private static JsonObject err(String message) {
    return new JsonObject().put("type", "err").put("message", message);
  }

  private static Buffer frame(JsonObject json) {
    Buffer bytes = json.toBuffer();
    return Buffer.buffer(4 + bytes.length()).appendInt(bytes.length()).appendBuffer(bytes);
  }

  /** The bridge on {@code host:port}, with the token, TLS and bounds of the {@code bridge} section. */
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
    int maxConnections = settings.getInteger("max-connections", DEFAULT_MAX_CONNECTIONS);
    long registerTimeout = settings.getLong("register-timeout-ms", DEFAULT_REGISTER_TIMEOUT_MS);
    if (maxBacklog < 1) return Future.failedFuture(new IllegalArgumentException("bridge.max-backlog-bytes must be 1 or more, got " + maxBacklog));
    if (maxConnections < 1) return Future.failedFuture(new IllegalArgumentException("bridge.max-connections must be 1 or more, got " + maxConnections));
    if (registerTimeout < 1) return Future.failedFuture(new IllegalArgumentException("bridge.register-timeout-ms must be 1 or more, got " + registerTimeout));
    EventStreamBridge started = new EventStreamBridge(vertx, server, token.isBlank() ? null : ApiKeys.sha256(token), maxBacklog, maxConnections,
        registerTimeout);
    long period = Math.max(10, Math.min(1000, registerTimeout / 5));
    started.sweeper = vertx.setPeriodic(period, id -> started.sweep()); // here, on the verticle's event loop
    return started.server.listen(port, host).map(s -> started).onFailure(e -> vertx.cancelTimer(started.sweeper));
  }

  /** Stops: the server's close, like a socket's, would wait for a stalled client's queue, so clients are reset first. */
  Future<Void> close() {
    if (sweeper >= 0) vertx.cancelTimer(sweeper);
    if (stream != null) stream.unregister();
    stream = null;
    List.copyOf(clients).forEach(Client::abort);
    return server.close();
  }
}

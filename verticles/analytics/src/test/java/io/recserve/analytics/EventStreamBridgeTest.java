package io.recserve.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An outside client speaking the bridge's frames: length-prefixed JSON over TCP. */
@ExtendWith(VertxExtension.class)
class EventStreamBridgeTest {
  @TempDir Path dir;

  private static void send(NetSocket socket, JsonObject frame) {
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer().appendInt(json.length()).appendBuffer(json));
  }

  /** Deploys the analytics verticle with its bridge on a free port, with these further bridge settings; the port. */
  private int deployWithBridge(Vertx vertx, JsonObject bridge) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    JsonObject config = new JsonObject().put("analytics", new JsonObject().put("file", dir.resolve("e.jsonl").toString()))
        .put("bridge", bridge.copy().put("enabled", true).put("host", "127.0.0.1").put("port", port));
    vertx.deployVerticle(new AnalyticsVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    return port;
  }

  @Test
  void clientsReceiveEventsAndCanNeitherSendNorListenElsewhere(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject());
    // With no client, nothing on this node consumes the stream, so a publish builds no JSON (LazyJson); the first
    // version of the slow-consumer guard (below) had its own consumer registered from the start.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> vertx.eventBus().request(Addresses.ANALYTICS_STREAM, new JsonObject(),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000)).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(io.vertx.core.eventbus.ReplyException.class,
            e -> assertThat(e.failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS));

    LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    // Kept to the end: Vert.x closes a client it finds unreachable, which leaves its connection open and silent.
    io.vertx.core.net.NetClient client = vertx.createNetClient();
    NetSocket socket = client.connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
    socket.exceptionHandler(e -> { }); // the node's stop resets the connection (Vert.x would log that as an ERROR)
    RecordParser parser = RecordParser.newFixed(4);
    parser.handler(new io.vertx.core.Handler<>() {
      int size = -1;

      public void handle(Buffer buffer) {
        if (size < 0) {
          size = buffer.getInt(0);
          parser.fixedSizeMode(size);
        } else {
          frames.add(buffer.toJsonObject());
          size = -1;
          parser.fixedSizeMode(4);
        }
      }
    });
    socket.handler(parser);

    send(socket, new JsonObject().put("type", "ping"));
    assertThat(frames.poll(5, TimeUnit.SECONDS).getString("type")).isEqualTo("pong");
    send(socket, new JsonObject().put("type", "register").put("address", Addresses.ANALYTICS_STREAM));
    send(socket, new JsonObject().put("type", "ping")); // frames are handled in order: the pong means registered
    assertThat(frames.poll(5, TimeUnit.SECONDS).getString("type")).isEqualTo("pong");
    String id = UUID.randomUUID().toString();
    AnalyticsVerticleTest.send(vertx, java.util.List.of(AnalyticsVerticleTest.event(id, 5, false, 1.5))); // as an HTTP node does
    JsonObject message = frames.poll(5, TimeUnit.SECONDS);
    assertThat(message).isNotNull();
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getString("address")).isEqualTo(Addresses.ANALYTICS_STREAM);
    assertThat(message.getJsonObject("body").getJsonArray("events").getJsonObject(0).getString("request_id")).isEqualTo(id);

    send(socket, new JsonObject().put("type", "publish").put("address", Addresses.ANALYTICS_STREAM)
        .put("body", AnalyticsVerticleTest.event(UUID.randomUUID().toString(), 1, false, 1).toJson()));
    JsonObject refusedSend = frames.poll(5, TimeUnit.SECONDS);
    assertThat(refusedSend.getString("type")).isEqualTo("err");
    assertThat(refusedSend.getString("message")).isEqualTo("access_denied");

    send(socket, new JsonObject().put("type", "send").put("address", Addresses.CACHE_PUT).put("body", new JsonObject()));
    assertThat(frames.poll(5, TimeUnit.SECONDS).getString("message")).isEqualTo("access_denied");

    send(socket, new JsonObject().put("type", "register").put("address", Addresses.EMBEDDING_USER));
    assertThat(frames.poll(5, TimeUnit.SECONDS).getString("message")).isEqualTo("access_denied");

    // A second register on the stream is refused (found by a review: Vert.x's bridge would deliver every frame twice
    // and leak the first consumer past the socket's end); still one copy of each event after it.
    send(socket, new JsonObject().put("type", "register").put("address", Addresses.ANALYTICS_STREAM));
    assertThat(frames.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("type", "err").put("message", "already_registered"));
    String again = UUID.randomUUID().toString();
    AnalyticsVerticleTest.send(vertx, java.util.List.of(AnalyticsVerticleTest.event(again, 5, false, 1.5)));
    assertThat(frames.poll(5, TimeUnit.SECONDS).getJsonObject("body").getJsonArray("events").getJsonObject(0).getString("request_id")).isEqualTo(again);

    // Unregistered, it receives nothing more; a second unregister is refused.
    send(socket, new JsonObject().put("type", "unregister").put("address", Addresses.ANALYTICS_STREAM));
    send(socket, new JsonObject().put("type", "unregister").put("address", Addresses.ANALYTICS_STREAM));
    assertThat(frames.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("type", "err").put("message", "unknown_address"));
    String unseen = UUID.randomUUID().toString();
    AnalyticsVerticleTest.send(vertx, java.util.List.of(AnalyticsVerticleTest.event(unseen, 5, false, 1.5)));
    send(socket, new JsonObject().put("type", "ping")); // published before the ingest's answer, so before this ping is read
    assertThat(frames.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("type", "pong"));
    send(socket, new JsonObject().put("type", "shout"));
    assertThat(frames.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("type", "err").put("message", "unknown_type"));
    // Nothing refused reached the bus: only the three events sent here were stored.
    send(socket, new JsonObject().put("type", "ping"));
    assertThat(frames.poll(5, TimeUnit.SECONDS).getString("type")).isEqualTo("pong");
    assertThat(java.nio.file.Files.readAllLines(dir.resolve("e.jsonl"))).hasSize(3)
        .allMatch(line -> line.contains(id) || line.contains(again) || line.contains(unseen));
    assertThat(frames).isEmpty();
    long stopping = System.nanoTime();
    vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(10, TimeUnit.SECONDS);
    assertThat((System.nanoTime() - stopping) / 1_000_000).as("ms to stop with a client connected").isLessThan(5000);
    socket.close();
    client.close().await(5, TimeUnit.SECONDS);
  }

  /**
   * Found by a review: Vert.x's bridge read a frame of whatever length a client announced into memory, before any
   * token was checked, so one client could exhaust the node's memory. A longer frame than the bridge ever needs is
   * refused at its length, and the connection closed.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aFrameLongerThanAnyRegisterIsRefusedAtItsLength(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject().put("token", "a-token-for-this-test"));
    for (int announced : new int[] {EventStreamBridge.MAX_FRAME_BYTES + 1, 1 << 30, -1}) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
        out.writeInt(announced);
        out.write(new byte[1024]); // the start of it; the rest would never be read
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        byte[] answer = new byte[in.readInt()];
        in.readFully(answer);
        assertThat(new JsonObject(Buffer.buffer(answer))).as("announced %d", announced)
            .isEqualTo(new JsonObject().put("type", "err").put("message", "frame_too_large"));
        assertThat(in.read()).as("the end of the connection").isEqualTo(-1);
      } catch (java.net.SocketException reset) {
        throw new AssertionError("the connection was reset before the answer was read", reset); // not expected: 1 KB was sent
      }
    }
    // A frame of the greatest length is read (and answered: it is no JSON)
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
      out.writeInt(EventStreamBridge.MAX_FRAME_BYTES);
      out.write(new byte[EventStreamBridge.MAX_FRAME_BYTES]);
      java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
      byte[] answer = new byte[in.readInt()];
      in.readFully(answer);
      assertThat(new JsonObject(Buffer.buffer(answer)).getString("message")).isEqualTo("invalid_json");
    }
  }

  /**
   * Found by a review: Vert.x's bridge answered every ping, however many answers waited unread, so a client that sends
   * and never reads grew the node's memory by every pong. Once more than {@code bridge.max-backlog-bytes} wait for it,
   * it is reset.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aClientThatSendsAndNeverReadsIsReset(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject().put("max-backlog-bytes", 65_536));
    byte[] ping = new JsonObject().put("type", "ping").encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.nio.ByteBuffer pings = java.nio.ByteBuffer.allocate((4 + ping.length) * 4096);
    while (pings.hasRemaining()) pings.putInt(ping.length).put(ping);
    long cap = 32L * 1024 * 1024;
    long sent = 0;
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
      java.io.OutputStream out = socket.getOutputStream();
      try {
        for (; sent < cap; sent += pings.capacity()) out.write(pings.array()); // reads nothing
      } catch (java.net.SocketException reset) {
        assertThat(reset.getMessage()).containsAnyOf("reset", "Broken pipe");
      }
    }
    assertThat(sent).as("bytes of pings sent before the reset").isLessThan(cap); // before, all 32 MB were read and answered
  }

  /**
   * Found by a review: a client could hold a connection for ever without registering, and open as many as it liked.
   * One not registered within {@code bridge.register-timeout-ms} is closed; one beyond {@code bridge.max-connections}
   * is refused; a registered one stays.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void connectionsAreBoundedInNumberAndInTimeWithoutRegistering(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject().put("max-connections", 2).put("register-timeout-ms", 300));
    try (java.net.Socket receiver = new java.net.Socket("127.0.0.1", port); java.net.Socket idle = new java.net.Socket("127.0.0.1", port)) {
      receiver.setSoTimeout(10_000);
      idle.setSoTimeout(10_000);
      java.io.DataOutputStream out = new java.io.DataOutputStream(receiver.getOutputStream());
      java.io.DataInputStream in = new java.io.DataInputStream(receiver.getInputStream());
      writeFrame(out, new JsonObject().put("type", "register").put("address", Addresses.ANALYTICS_STREAM));
      writeFrame(out, new JsonObject().put("type", "ping"));
      assertThat(readFrame(in)).isEqualTo(new JsonObject().put("type", "pong"));
      try (java.net.Socket third = new java.net.Socket("127.0.0.1", port)) { // both others still open
        third.setSoTimeout(10_000);
        java.io.DataInputStream thirdIn = new java.io.DataInputStream(third.getInputStream());
        assertThat(readFrame(thirdIn)).isEqualTo(new JsonObject().put("type", "err").put("message", "too_many_connections"));
        assertThat(thirdIn.read()).isEqualTo(-1);
      }
      java.io.DataInputStream idleIn = new java.io.DataInputStream(idle.getInputStream());
      assertThat(readFrame(idleIn)).isEqualTo(new JsonObject().put("type", "err").put("message", "register_timeout"));
      assertThat(idleIn.read()).isEqualTo(-1);
      writeFrame(out, new JsonObject().put("type", "ping")); // the registered one, connected as long, stays
      assertThat(readFrame(in)).isEqualTo(new JsonObject().put("type", "pong"));
    }
  }

  /**
   * Each stored batch is encoded once and the same frame written to every receiver: each gets every batch whole and
   * in order (the bytes are shared, each write reads them from its own position). Budget: 2 s.
   */
  @Test
  void everyReceiverGetsEveryBatchWholeAndInOrder(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject());
    java.util.List<java.net.Socket> sockets = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        sockets.add(socket);
        java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
        writeFrame(out, new JsonObject().put("type", "register").put("address", Addresses.ANALYTICS_STREAM));
        writeFrame(out, new JsonObject().put("type", "ping"));
        assertThat(readFrame(new java.io.DataInputStream(socket.getInputStream())).getString("type")).isEqualTo("pong"); // registered
      }
      java.util.List<JsonObject> batches = new java.util.ArrayList<>();
      for (int b = 0; b < 20; b++) {
        JsonObject batch = new JsonObject().put("events", new io.vertx.core.json.JsonArray().add(new JsonObject().put("n", b).put("padding", "x".repeat(b * 1000))));
        batches.add(batch);
        vertx.eventBus().publish(Addresses.ANALYTICS_STREAM, batch);
      }
      for (java.net.Socket socket : sockets) {
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        for (JsonObject batch : batches) assertThat(readFrame(in).getJsonObject("body")).isEqualTo(batch);
      }
    } finally {
      for (java.net.Socket socket : sockets) socket.close();
    }
  }

  private static void writeFrame(java.io.DataOutputStream out, JsonObject frame) throws java.io.IOException {
    byte[] bytes = frame.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static JsonObject readFrame(java.io.DataInputStream in) throws java.io.IOException {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return new JsonObject(Buffer.buffer(bytes));
  }

  /**
   * Found by a review: Vert.x's bridge writes every frame to every registered socket without looking, so a consumer
   * that stopped reading grew the node's memory by every event stored, without bound. Once more than
   * {@code bridge.max-backlog-bytes} wait for it, its connection is closed.
   */
  @Test
  void aConsumerThatStopsReadingIsClosedOnceTooFarBehind(Vertx vertx) throws Exception {
    int port = deployWithBridge(vertx, new JsonObject().put("max-backlog-bytes", 65_536));
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(4096); // little room in this side's kernel either
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(10_000);
      java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
      java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
      for (JsonObject frame : java.util.List.of(new JsonObject().put("type", "register").put("address", Addresses.ANALYTICS_STREAM),
          new JsonObject().put("type", "ping"))) {
        byte[] bytes = frame.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
      byte[] pong = new byte[in.readInt()];
      in.readFully(pong);
      assertThat(new String(pong, java.nio.charset.StandardCharsets.UTF_8)).contains("pong"); // registered
      // 32 MB of stored events published while this client reads nothing (more than both kernels' buffers hold)
      JsonObject batch = new JsonObject().put("events", new io.vertx.core.json.JsonArray().add(new JsonObject().put("padding", "x".repeat(256 * 1024))));
      java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
      java.io.PrintStream stderr = System.err;
      System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8)); // slf4j-simple writes to the System.err of the moment
      try {
        for (int i = 0; i < 128; i++) vertx.eventBus().publish(Addresses.ANALYTICS_STREAM, batch);
        io.recserve.testing.Eventually.until(java.time.Duration.ofSeconds(10), "the node to give up on the client", () -> log.toString().contains("behind"));
      } finally {
        System.setErr(stderr);
      }
      // A reset, not an end of stream: a plain close ends the stream only after every queued frame is written, which
      // for a client that does not read is never (a review found the first version of the guard doing just that).
      long read = 0;
      byte[] chunk = new byte[65_536];
      try {
        for (int n; (n = in.read(chunk)) >= 0; ) read += n;
        throw new AssertionError("the stream ended after " + read + " bytes: the queue was written out first, not dropped");
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the connection was still open after " + read + " bytes read", e);
      } catch (java.net.SocketException reset) {
        assertThat(reset.getMessage()).contains("reset");
      }
    }
  }
}

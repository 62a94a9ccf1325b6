package io.recserve.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A TCP proxy a test can cut (closing every connection and refusing new ones) and restore, to play an outage. */
public final class TcpProxy {
  private final Vertx vertx;
  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;

  public TcpProxy(Vertx vertx, int port, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.port = port;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  public Future<Void> start() {
    server = vertx.createNetServer().connectHandler(in -> {
      in.pause();
      client.connect(targetPort, targetHost).onSuccess(out -> {
        sockets.add(in);
        sockets.add(out);
        in.closeHandler(v -> sockets.remove(in));
        out.closeHandler(v -> sockets.remove(out));
        in.pipeTo(out);
        out.pipeTo(in);
        in.resume();
      }).onFailure(e -> in.close());
    });
    return server.listen(port).mapEmpty();
  }

  /** The outage: no new connection, and every open one closed. */
  public Future<Void> cut() {
    Future<Void> closed = server.close();
    sockets.forEach(NetSocket::close);
    sockets.clear();
    return closed;
  }
}

package io.recserve.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * What a node in this JVM logs while a test acts: slf4j-simple, the tests' logger, writes each line to the
 * {@code System.err} of the moment, which is swapped for a buffer meanwhile.
 */
public final class NodeLog {
  private NodeLog() {}

  /** An action that may throw. */
  @FunctionalInterface
  public interface Action {
    void run() throws Exception;
  }

  /** The lines logged while {@code action} ran. */
  public static String during(Action action) throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(stderr);
    }
    return log.toString(StandardCharsets.UTF_8);
  }

  /** Sends a request's head and the start of a body it says is longer, then closes the connection: a client leaving mid-body. */
  public static void leaveMidBody(int port, String path) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user_id\"")
          .getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
    }
  }
}

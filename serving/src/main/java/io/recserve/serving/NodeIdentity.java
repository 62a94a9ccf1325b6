package io.recserve.serving;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This JVM's name on the event bus: {@code pid@host} plus a random suffix, since two containers can share a pid
 * (every one is 1) and a restarted process must not be mistaken for the old one. It names the node's own addresses
 * ({@code Addresses.onNode}) and its heartbeats. It is shown on the management listener only.
 */
public final class NodeIdentity {
  private static final String ID = ManagementFactory.getRuntimeMXBean().getName() + "-"
      + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());

  private NodeIdentity() {}

  public static String id() {
    return ID;
  }
}

package io.recserve.contract;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This JVM's name on the event bus, the {@code <node>} of its own addresses ({@link Addresses#onNode}) and of its
 * heartbeats: {@code pid@host} plus a random suffix, since two containers can share a pid (every one is 1) and a
 * restarted process must not be mistaken for the old one. It is shown on the management listener only.
 */
public final class NodeIdentity {
  private static final String ID = ManagementFactory.getRuntimeMXBean().getName() + "-"
      + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());

  private NodeIdentity() {}

  public static String id() {
    return ID;
  }
}

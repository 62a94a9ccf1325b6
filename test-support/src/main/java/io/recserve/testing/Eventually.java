package io.recserve.testing;

import java.time.Duration;

/** Waits for a condition that becomes true asynchronously (a poll, a flush), failing after a bound. */
public final class Eventually {
  private Eventually() {}

  /** A condition that may throw while it is not true yet. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  public static void until(Duration timeout, String what, Condition condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.holds()) return;
      } catch (Exception ignored) {
        // not there yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what);
  }
}

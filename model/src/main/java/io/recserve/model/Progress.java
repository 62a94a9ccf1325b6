package io.recserve.model;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows how far long work has got: a redrawn bar on a terminal, a plain line every few seconds otherwise (logs),
 * and one closing summary line with count, seconds and rate.
 */
public final class Progress implements AutoCloseable {
  private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
  private static final long BAR_INTERVAL_NANOS = 100_000_000L;

  private final String task;
  private final String unit;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final long started = System.nanoTime();
  private long done;
  private long lastShown;
  private boolean closed;

  private Progress(String task, String unit, long total, PrintStream out, boolean terminal) {
    this.task = task;
    this.unit = unit;
    this.total = total;
    this.out = out;
    this.terminal = terminal;
    this.lastShown = started;
  }

  /** Progress on standard error, a bar when it is a terminal. {@code total} may be 0 when unknown. */
  public static Progress start(String task, String unit, long total) {
    boolean terminal = isTerminal() && !"dumb".equals(System.getenv("TERM")) && System.getenv("CI") == null;
    return new Progress(task, unit, total, System.err, terminal);
  }

  /** Java 22+ returns a console even when output is redirected; {@code Console.isTerminal()} tells (called by reflection for 21). */
  private static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) return false;
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** Progress written as plain lines to {@code out} (tests, logs). */
  public static Progress lines(String task, String unit, long total, PrintStream out) {
    return new Progress(task, unit, total, out, false);
  }

  public synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (now - lastShown >= (terminal ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) {
      lastShown = now;
      show(now);
    }
  }

  /** A line of its own (e.g. one training iteration's loss), kept above the bar. */
  public synchronized void note(String line) {
    if (terminal) out.print("\r\033[K");
    out.println(task + ": " + line);
    if (terminal) show(System.nanoTime());
  }

  public synchronized long done() {
    return done;
  }

  private void show(long now) {
    double seconds = (now - started) / 1e9;
    String rate = rate(done, seconds, unit);
    if (terminal) {
      int width = 30;
      int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
      String bar = "#".repeat(filled) + "-".repeat(width - filled);
      String count = total > 0 ? String.format(Locale.ROOT, "%,d/%,d", done, total) : String.format(Locale.ROOT, "%,d", done);
      out.print("\r\033[K" + task + " [" + bar + "] " + count + " " + unit + " " + rate);
      out.flush();
    } else {
      String pct = total > 0 ? String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total) : "";
      out.println(String.format(Locale.ROOT, "%s: %,d %s%s after %.1f s, %s", task, done, unit, pct, seconds, rate));
    }
  }

  /** "1,234 rows/s", or "0.03 iterations/s" for slow work (s/iteration would read better, but one unit keeps logs greppable). */
  private static String rate(long done, double seconds, String unit) {
    double rate = done / Math.max(seconds, 1e-9);
    return String.format(Locale.ROOT, rate < 10 ? "%.2f %s/s" : "%,.0f %s/s", rate, unit);
  }

  /** Ends the bar and prints the summary: {@code task: done, N unit in S s (R unit/s)}. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    double seconds = (System.nanoTime() - started) / 1e9;
    if (terminal) out.print("\r\033[K");
    out.println(String.format(Locale.ROOT, "%s: done, %,d %s in %.2f s (%s)", task, done, unit, seconds, rate(done, seconds, unit)));
    out.flush();
  }
}

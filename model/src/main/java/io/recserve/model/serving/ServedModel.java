package io.recserve.model.serving;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model version a verticle serves, kept in step with the store: it polls the store's current version, loads a
 * new one in the background, then swaps it in at once, keeping the previous version for requests already under way.
 * A failed load keeps the version being served and is retried at the next poll.
 *
 * @param <T> what the verticle holds for one version (user vectors, a Lucene index, ...)
 */
public final class ServedModel<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  /** Where versions come from: the data folder or PostgreSQL. */
  public interface Source<T> {
    Future<OptionalLong> currentVersion();

    Future<T> load(long version);
  }

  /** One loaded version. */
  public record Loaded<T>(long version, T value) {}

  private final Vertx vertx;
  private final String role;
  private final Source<T> source;
  private final long pollMillis;
  private final Runnable announce;
  private final Consumer<Loaded<T>> onRetired;
  private volatile Loaded<T> current;
  private volatile Loaded<T> previous;
  private volatile String lastError;
  private boolean loading;
  private long timer = -1;

  /**
   * @param announce called after every look at the store once a version is loaded: on activation and then every
   *     poll interval, so it doubles as a heartbeat telling other nodes what this one serves
   * @param onRetired called with a version dropped from memory (to close it), may be null
   */
  public ServedModel(Vertx vertx, String role, Source<T> source, long pollMillis,
                     Runnable announce, Consumer<Loaded<T>> onRetired) {
    this.vertx = vertx;
    this.role = role;
    this.source = source;
    this.pollMillis = pollMillis;
    this.announce = announce;
    this.onRetired = onRetired;
  }

  /** Loads the current version if there is one, then keeps polling. Completes once the first attempt ends. */
  public Future<Void> start() {
    Future<Void> first = check();
    timer = vertx.setPeriodic(pollMillis, id -> check());
    return first.recover(e -> Future.succeededFuture());
  }

  public void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  /** Looks at the store now (also called on a publish notification). */
  public Future<Void> check() {
    if (loading) return Future.succeededFuture();
    loading = true;
    return source.currentVersion().compose(version -> {
      Loaded<T> served = current;
      if (version.isEmpty() || (served != null && served.version() == version.getAsLong())) return Future.<Void>succeededFuture();
      long v = version.getAsLong();
      Loaded<T> kept = previous;
      if (kept != null && kept.version() == v) { // a rollback to the version still held: swap, nothing to load
        previous = current;
        current = kept;
        LOG.info("{}: serving model version {} again", role, v);
        return Future.<Void>succeededFuture();
      }
      long started = System.nanoTime();
      LOG.info("{}: loading model version {}", role, v);
      return source.load(v).map(value -> {
        Loaded<T> loaded = new Loaded<>(v, value);
        Loaded<T> retired = previous;
        previous = current;
        current = loaded;
        lastError = null;
        LOG.info("{}: serving model version {} (loaded in {} ms)", role, v, (System.nanoTime() - started) / 1_000_000);
        if (retired != null && onRetired != null) onRetired.accept(retired);
        return (Void) null;
      });
    }).onFailure(e -> {
      lastError = e.getMessage();
      LOG.warn("{}: could not load the current model version: {}", role, e.toString());
    }).andThen(ar -> {
      loading = false;
      if (current != null) announce.run();
    });
  }

  /** The version served now, or null before the first load. */
  public Loaded<T> current() {
    return current;
  }

  /** The version asked for if it is loaded (current or the one before), else null. 0 means the current one. */
  public Loaded<T> version(long version) {
    Loaded<T> c = current;
    if (version == 0 || (c != null && c.version() == version)) return c;
    Loaded<T> p = previous;
    return p != null && p.version() == version ? p : null;
  }

  /** What this verticle serves, as announced on the bus: current and previous version numbers (0 when absent). */
  public long[] versions() {
    Loaded<T> c = current, p = previous;
    return new long[] {c == null ? 0 : c.version(), p == null ? 0 : p.version()};
  }

  public String lastError() {
    return lastError;
  }
}

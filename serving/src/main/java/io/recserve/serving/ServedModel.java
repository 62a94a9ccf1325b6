package io.recserve.serving;

import io.recserve.model.store.VersionRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model version a verticle serves, kept in step with the store: it polls the store's current version, loads a
 * new one in the background, then swaps it in at once, keeping the previous version for requests already under way.
 * A failed load keeps the version being served and is retried at the next poll. Versions are told apart by id, so a
 * store recreated from scratch (where numbers start again at 1) is noticed.
 *
 * <p>Every poll interval it calls {@code heartbeat}, also while a load is under way: other nodes forget a node they
 * have not heard from, and a long load (a large HNSW build) must not make this node look dead.
 *
 * @param <T> what the verticle holds for one version (user vectors, a Lucene index, ...)
 */
public final class ServedModel<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  /** Where versions come from: the data folder or PostgreSQL. */
  public interface Source<T> {
    Future<Optional<VersionRef>> currentVersion();

    Future<T> load(VersionRef version);
  }

  /** One loaded version. */
  public record Loaded<T>(VersionRef ref, T value) {}

  private final Vertx vertx;
  private final String role;
  private final Source<T> source;
  private final long pollMillis;
  private final Runnable heartbeat;
  private final Consumer<Loaded<T>> onRetired;
  private volatile Loaded<T> current;
  private volatile Loaded<T> previous;
  /**
   * The version that was previous until the last swap, still searchable by id for {@link #retireAfterMillis}: an HTTP
   * node learns of the swap from the next heartbeat, and until then may still send requests pinned to it (two
   * publishes back to back: the embedding node holding the first and third versions, this one the second and third).
   * Not announced in heartbeats.
   */
  private volatile Loaded<T> retiring;
  private final long retireAfterMillis;
  private long retireTimer = -1;
  private volatile VersionRef loading;
  private volatile String lastError;
  private String lastLoggedError;
  /** The version whose load failed last, and when it may be tried again: a damaged file is not read every poll. */
  private String failedId;
  private long retryAtNanos;
  private long retryMillis;
  private boolean checking;
  private long timer = -1;

  /**
   * @param heartbeat called every poll interval and at once after each swap, whatever the state; it tells other nodes
   *     what this one holds
   * @param onRetired called with a version dropped from memory (to close it), may be null
   */
  public ServedModel(Vertx vertx, String role, Source<T> source, long pollMillis, Runnable heartbeat, Consumer<Loaded<T>> onRetired) {
    this.vertx = vertx;
    this.role = role;
    this.source = source;
    this.pollMillis = pollMillis;
    this.heartbeat = heartbeat;
    this.onRetired = onRetired;
    this.retireAfterMillis = 2 * pollMillis + 1000;
  }

  /** Loads the current version if there is one, then keeps polling. Completes once the first attempt ends. */
  public Future<Void> start() {
    Future<Void> first = check();
    timer = vertx.setPeriodic(pollMillis, id -> {
      check();
      heartbeat.run();
    });
    return first.recover(e -> Future.succeededFuture());
  }

  public void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    retireNow();
  }

  /** Keeps {@code retired} findable by id for a while, then drops it (an older one still waiting is dropped at once). */
  private void retireLater(Loaded<T> retired) {
    retireNow();
    retiring = retired;
    retireTimer = vertx.setTimer(retireAfterMillis, id -> {
      retireTimer = -1;
      retireNow();
    });
  }

  private void retireNow() {
    if (retireTimer >= 0) vertx.cancelTimer(retireTimer);
    retireTimer = -1;
    Loaded<T> r = retiring;
    retiring = null;
    if (r != null && onRetired != null) onRetired.accept(r);
  }

  /** Looks at the store now (also called on a publish notification); at most one look or load at a time. */
  public Future<Void> check() {
    if (checking) return Future.succeededFuture();
    checking = true;
    return source.currentVersion().compose(found -> {
      if (found.isEmpty()) return Future.<Void>succeededFuture();
      VersionRef wanted = found.get();
      Loaded<T> served = current;
      if (served != null && served.ref().id().equals(wanted.id())) return Future.<Void>succeededFuture();
      Loaded<T> kept = previous;
      if (kept != null && kept.ref().id().equals(wanted.id())) { // a rollback to the version still held: swap, nothing to load
        previous = current;
        current = kept;
        LOG.info("{}: serving model version {} again", role, wanted);
        heartbeat.run();
        return Future.<Void>succeededFuture();
      }
      long started = System.nanoTime();
      boolean retry = wanted.id().equals(failedId);
      if (retry && started - retryAtNanos < 0) return Future.<Void>succeededFuture();
      loading = wanted;
      if (!retry) LOG.info("{}: loading model version {}", role, wanted);
      return source.load(wanted).map(value -> {
        Loaded<T> retired = previous;
        previous = current;
        current = new Loaded<>(wanted, value);
        lastError = null;
        lastLoggedError = null;
        failedId = null;
        LOG.info("{}: serving model version {} (loaded in {} ms)", role, wanted, (System.nanoTime() - started) / 1_000_000);
        if (retired != null) retireLater(retired);
        return (Void) null;
      });
    }).onFailure(e -> {
      lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      VersionRef failed = loading;
      if (failed != null) { // the same version is tried again after a growing pause (poll interval doubling to 1 min)
        retryMillis = failed.id().equals(failedId) ? Math.min(60_000, retryMillis * 2) : pollMillis;
        failedId = failed.id();
        retryAtNanos = System.nanoTime() + retryMillis * 1_000_000;
      }
      if (!lastError.equals(lastLoggedError)) { // once per distinct failure
        LOG.warn("{}: could not load the current model version ({}); trying again from time to time, or at once when another version is published",
            role, lastError);
        lastLoggedError = lastError;
      }
    }).andThen(ar -> {
      boolean changed = loading != null && ar.succeeded();
      loading = null;
      checking = false;
      if (changed) heartbeat.run();
    });
  }

  /** The version served now, or null before the first load. */
  public Loaded<T> current() {
    return current;
  }

  /** The version served before the current one, still held for requests under way; null if none. */
  public Loaded<T> previous() {
    return previous;
  }

  /** The version being loaded now, or null. */
  public VersionRef loading() {
    return loading;
  }

  /**
   * The version with this id if it is held (current, the one before, or one retired moments ago), else null; a null id
   * means the current one.
   */
  public Loaded<T> version(String id) {
    Loaded<T> c = current;
    if (id == null || (c != null && c.ref().id().equals(id))) return c;
    Loaded<T> p = previous;
    if (p != null && p.ref().id().equals(id)) return p;
    Loaded<T> r = retiring;
    return r != null && r.ref().id().equals(id) ? r : null;
  }

  public String lastError() {
    return lastError;
  }
}

package io.recserve.security;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The header-read timeout Vert.x lacks: a connection must deliver a complete request head within {@code timeout}
 * of opening and, kept alive, within {@code timeout} of its previous answer; otherwise it is closed, without an
 * answer (there is no request to answer yet). The body then must be complete within {@code timeout} of the head, or
 * the connection is closed too: a body trickled a byte now and then held its connection for as long as the client
 * wished (found by a hostile run, which held 20,000 that way, every file the node could open). Vert.x's idle timeout
 * does treat a half-sent head as silence (its idle handler sits behind the HTTP decoder, which passes nothing on before
 * a head is complete), but it is one budget for every kind of silence; this one bounds the head and the body alone,
 * and still holds with the idle timeout off.
 *
 * <p>Both listeners use it, the public one ({@code HttpVerticle}) and the management one ({@code AdminVerticle}), with
 * {@code http.header-timeout-ms}. One instance per verticle instance, used only on its event loop. Per request it costs
 * one map lookup and one field write: no timer and no allocation. A sweep every tenth of the timeout closes the
 * connections past their deadline and starts the deadline of those whose answer has been written since, so a deadline
 * runs between {@code timeout} and {@code timeout} plus two sweep periods.
 */
public final class ConnectionGuard {
  private final Vertx vertx;
  private final long timeoutNanos;
  private final Map<HttpConnection, Watch> open = new HashMap<>();
  private long sweeper = -1;

  /** One connection: either a deadline for its next request head, or the request being answered. */
  private static final class Watch {
    /**
     * {@link System#nanoTime()} by which a request head must arrive while {@code serving} is null; by which its body
     * must have arrived while it is not.
     */
    long deadline;
    HttpServerRequest serving;
  }

  public ConnectionGuard(Vertx vertx, long timeoutMillis) {
    this.vertx = vertx;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
  }

  /** Starts the sweep that closes connections past their deadline. */
  public void start() {
    long period = Math.max(10, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 10);
    sweeper = vertx.setPeriodic(period, period, id -> sweep());
  }

  /** {@code handler} behind the guard: every request whose head is complete stops its connection's deadline first. */
  public Handler<HttpServerRequest> wrap(Handler<HttpServerRequest> handler) {
    return request -> {
      headReceived(request);
      handler.handle(request);
    };
  }

  public void stop() {
    if (sweeper >= 0) vertx.cancelTimer(sweeper);
  }

  /** A new connection (the server's connection handler calls this): its first head is due from now. */
  public void opened(HttpConnection connection) {
    Watch watch = new Watch();
    watch.deadline = System.nanoTime() + timeoutNanos;
    open.put(connection, watch);
  }

  /** A connection closed (its close handler calls this). */
  public void closed(HttpConnection connection) {
    open.remove(connection);
  }

  /** A request whose head is complete, before it is handled: its body is due from now, its answer has no deadline. */
  private void headReceived(HttpServerRequest request) {
    Watch watch = open.get(request.connection());
    if (watch != null) {
      watch.serving = request;
      watch.deadline = System.nanoTime() + timeoutNanos;
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Iterator<Map.Entry<HttpConnection, Watch>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<HttpConnection, Watch> entry = it.next();
      Watch watch = entry.getValue();
      if (watch.serving != null) {
        if (watch.serving.response().ended()) { // answered: the next head is due from now
          watch.serving = null;
          watch.deadline = now + timeoutNanos;
        } else if (!watch.serving.isEnded() && now - watch.deadline >= 0) { // its body is still coming
          it.remove();
          entry.getKey().close();
        }
      } else if (now - watch.deadline >= 0) {
        it.remove();
        entry.getKey().close();
      }
    }
  }
}

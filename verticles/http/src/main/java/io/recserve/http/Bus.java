package io.recserve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;

/**
 * Requests from the HTTP verticle to the others, every one with a timeout. Requests for model data go to a node
 * that holds the version, by the node's own address ({@link Addresses#onNode}); when it does not answer within
 * {@code eventbus.retry-timeout-ms} (a quarter of the timeout by default) or answers that it lacks the version, the
 * request is tried once more on another node, within what is left of the timeout. Searches and lookups have no side
 * effect, so a second try is safe. A first try of the request path's reads on another node goes through the
 * {@link RelayBatcher}, with the other requests of the same event-loop turn for that node, in one message. Failures
 * are counted per address ({@code recserve_eventbus_request_failures}).
 */
final class Bus {
  private final Vertx vertx;
  private final NodeDirectory directory;
  private final long timeoutMillis;
  private final long retryTimeoutMillis;
  private final MeterRegistry registry;
  private final DeliveryOptions options;
  private final RelayBatcher batcher;

  /** {@code relayBatchMax}: at most this many requests in one {@link RelayBatcher} message; 1 sends each alone. */
  Bus(Vertx vertx, NodeDirectory directory, long timeoutMillis, long retryTimeoutMillis, MeterRegistry registry, int relayBatchMax) {
    this.vertx = vertx;
    this.directory = directory;
    this.timeoutMillis = timeoutMillis;
    this.retryTimeoutMillis = Math.min(retryTimeoutMillis, timeoutMillis);
    this.registry = registry;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    this.batcher = new RelayBatcher(vertx, relayBatchMax, registry);
  }

  long timeoutMillis() {
    return timeoutMillis;
  }

  /** A request to the shared address; a failure comes back as an {@link ErrorMapping.AddressedFailure}. */
  <T> Future<Message<T>> request(String address, Object body) {
    return vertx.eventBus().<T>request(address, body, options).recover(e -> fail(address, e));
  }

  /**
   * The reply body of a request for data of model version {@code model} to a node of {@code role} that holds it,
   * retried once on another such node. Before any node of the role has sent a heartbeat, it goes to the shared address.
   */
  Future<Object> toNode(String role, String address, Object body, ModelRef model) {
    List<String> nodes = directory.candidates(role, model);
    if (nodes.isEmpty()) {
      if (!directory.knowsNodes(role)) return request(address, body).map(Message::body);
      return Future.failedFuture(new ErrorMapping.AddressedFailure(address,
          new ReplyException(ReplyFailure.RECIPIENT_FAILURE, FailureCodes.MODEL_NOT_LOADED, "no live node holds " + model)));
    }
    return toOneOf(role, nodes, address, body);
  }

  /** The reply body from the first of {@code nodes} (of {@code role}), retried once on the second as {@link #toNode} says. */
  Future<Object> toOneOf(String role, List<String> nodes, String address, Object body) {
    String first = nodes.get(0);
    String second = nodes.size() > 1 ? nodes.get(1) : null;
    long firstTimeout = second == null ? timeoutMillis : retryTimeoutMillis;
    long started = System.nanoTime();
    return batcher.request(first, address, body, firstTimeout)
        .recover(e -> {
          if (second == null || !retryable(e)) return fail(address, e);
          count(address, e);
          if (e instanceof ReplyException r && r.failureType() != ReplyFailure.RECIPIENT_FAILURE) directory.suspect(role, first);
          long left = Math.max(1, timeoutMillis - (System.nanoTime() - started) / 1_000_000);
          return batcher.alone(second, address, body, left).recover(e2 -> fail(address, e2));
        });
  }

  private static boolean retryable(Throwable e) {
    if (!(e instanceof ReplyException r)) return false;
    return switch (r.failureType()) {
      case TIMEOUT, NO_HANDLERS -> true;
      case RECIPIENT_FAILURE -> r.failureCode() == FailureCodes.MODEL_NOT_LOADED || r.failureCode() == FailureCodes.OVERLOADED;
      default -> false;
    };
  }

  <T> Future<T> fail(String address, Throwable e) {
    count(address, e);
    return Future.failedFuture(e instanceof ReplyException r ? new ErrorMapping.AddressedFailure(address, r) : e);
  }

  void count(String address, Throwable e) {
    if (registry == null) return;
    String kind = e instanceof ReplyException r ? r.failureType().name() : "ERROR";
    Counter.builder("recserve_eventbus_request_failures").tag("address", address).tag("failure", kind).register(registry).increment();
  }
}

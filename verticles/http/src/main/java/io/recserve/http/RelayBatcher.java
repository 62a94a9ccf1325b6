package io.recserve.http;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.RelayBatch;
import io.recserve.contract.RelayReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Requests to a node's own copy of an address ({@link Addresses#onNode}). Those for a {@link Addresses#RELAYED} address
 * of another node are gathered over one turn of this HTTP verticle's event loop and sent as one {@link RelayBatch} to
 * that node's {@link Addresses#RELAY}: every request read from the connections in the same turn crosses to the node in
 * one message, and their replies come back in one. A request alone in its turn goes as it is, as do requests to this
 * node and to other addresses. A node that has no relay (a node of an older release: no handler) gets its requests one
 * by one from then on. Used from the verticle's own event loop only, so nothing here is shared.
 */
final class RelayBatcher {
  private final Vertx vertx;
  private final int maxBatch;
  private final Map<Key, List<Pending>> open = new HashMap<>();
  private final Set<String> withoutRelay = new HashSet<>();
  private final DistributionSummary sizes;

  private record Key(String node, String address, long timeoutMillis) {}

  private record Pending(Object body, Promise<Object> reply) {}

  /** {@code registry} (may be null) gets {@code recserve_eventbus_relay_batch_size}: the requests per message sent. */
  RelayBatcher(Vertx vertx, int maxBatch, MeterRegistry registry) {
    this.vertx = vertx;
    this.maxBatch = maxBatch;
    this.sizes = registry == null ? null : DistributionSummary.builder("recserve_eventbus_relay_batch_size")
        .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(1, maxBatch)).register(registry);
  }

  /** Whether requests for {@code address} of {@code node} go with the others of their turn. */
  boolean relays(String node, String address) {
    return maxBatch > 1 && Addresses.RELAYED.contains(address) && !node.equals(NodeIdentity.id()) && !withoutRelay.contains(node);
  }

  /**
   * The reply body of {@code body} sent to {@code address} of {@code node}, or its failure as a {@link ReplyException}:
   * with the other requests of this turn for the node when it {@link #relays} them, else alone.
   */
  Future<Object> request(String node, String address, Object body, long timeoutMillis) {
    if (!relays(node, address)) return alone(node, address, body, timeoutMillis);
    Key key = new Key(node, address, timeoutMillis);
    List<Pending> batch = open.get(key);
    if (batch == null) {
      batch = new ArrayList<>();
      open.put(key, batch);
      vertx.getOrCreateContext().runOnContext(v -> flush(key)); // after the rest of this turn's reads
    }
    Pending pending = new Pending(body, Promise.promise());
    batch.add(pending);
    if (batch.size() >= maxBatch) flush(key);
    return pending.reply().future();
  }

  private void flush(Key key) {
    List<Pending> batch = open.remove(key);
    if (batch == null || batch.isEmpty()) return;
    if (sizes != null) sizes.record(batch.size());
    if (batch.size() == 1) {
      alone(key, batch.get(0));
      return;
    }
    List<Object> bodies = new ArrayList<>(batch.size());
    for (Pending p : batch) bodies.add(p.body());
    vertx.eventBus().request(Addresses.onNode(Addresses.RELAY, key.node()), new RelayBatch(key.address(), key.timeoutMillis(), bodies),
        new DeliveryOptions().setSendTimeout(key.timeoutMillis())).onComplete(ar -> {
          if (ar.succeeded()) {
            List<RelayReply.Item> replies;
            try {
              replies = RelayReply.of(ar.result().body()).replies(key.address());
            } catch (RuntimeException unreadable) {
              for (Pending p : batch) p.reply().fail(new ReplyException(ReplyFailure.ERROR, -1, "unreadable relay reply: " + unreadable.getMessage()));
              return;
            }
            for (int i = 0; i < batch.size(); i++) {
              RelayReply.Item item = i < replies.size() ? replies.get(i)
                  : RelayReply.Item.failed(ReplyFailure.ERROR, -1, "the relay answered " + replies.size() + " of " + batch.size());
              if (item.failure() == null) batch.get(i).reply().complete(item.body());
              else batch.get(i).reply().fail(new ReplyException(item.failure(), item.code(), item.message()));
            }
          } else if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
            withoutRelay.add(key.node());
            for (Pending p : batch) alone(key, p);
          } else {
            for (Pending p : batch) p.reply().fail(ar.cause());
          }
        });
  }

  private void alone(Key key, Pending pending) {
    alone(key.node(), key.address(), pending.body(), key.timeoutMillis()).onComplete(pending.reply());
  }

  /** The reply body of {@code body} sent alone to {@code address} of {@code node}. */
  Future<Object> alone(String node, String address, Object body, long timeoutMillis) {
    return vertx.eventBus().request(Addresses.onNode(address, node), body, new DeliveryOptions().setSendTimeout(timeoutMillis)).map(Message::body);
  }
}

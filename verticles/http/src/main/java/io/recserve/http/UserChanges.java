package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.UserChanged;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads a change of a user's ratings before the change is confirmed to the caller, so that the next request for the
 * user reflects it whichever node it reaches: every live embedding node folds the user in again from the store, every
 * HTTP node (this one too) drops the user's answers from its near-cache, and the cache verticle drops them from the
 * cache. Each refuses, from then on, to cache an answer computed before the change. A node that does not confirm in
 * time is logged; it still catches up at its next version load.
 */
final class UserChanges {
  private static final Logger LOG = LoggerFactory.getLogger(UserChanges.class);
  private final Vertx vertx;
  private final NodeDirectory directory;
  private final NearCache near;
  private final DeliveryOptions options;

  UserChanges(Vertx vertx, NodeDirectory directory, NearCache near, long timeoutMillis) {
    this.vertx = vertx;
    this.directory = directory;
    this.near = near;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  /** Completes once every node confirmed (or the timeout passed); never fails. */
  Future<Void> spread(int userId, long generation) {
    UserChanged change = new UserChanged(userId, generation, directory.heldModelIds());
    if (near != null) near.invalidate(userId, generation);
    List<Future<?>> confirmations = new ArrayList<>();
    for (String node : directory.nodes("embedding")) confirmations.add(ask(Addresses.onNode(Addresses.EMBEDDING_REFRESH, node), change));
    for (String node : directory.nodes("http")) {
      if (!node.equals(NodeIdentity.id())) confirmations.add(ask(Addresses.onNode(Addresses.HTTP_INVALIDATE, node), change));
    }
    confirmations.add(ask(Addresses.CACHE_INVALIDATE, change));
    return Future.join(confirmations).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<?> ask(String address, UserChanged change) {
    return vertx.eventBus().request(address, change, options)
        .onFailure(e -> LOG.warn("user {}: the change was not confirmed by {} ({})", change.userId(), address, e.getMessage()));
  }

  /** This node's side: forget the user's answers here. */
  void invalidated(UserChanged change) {
    if (near != null) near.invalidate(change.userId(), change.generation());
  }
}

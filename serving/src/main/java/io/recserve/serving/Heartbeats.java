package io.recserve.serving;

import io.recserve.contract.Addresses;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import io.recserve.contract.NodeIdentity;
import io.recserve.model.store.VersionRef;
import io.vertx.core.Vertx;

/** What a serving node says about itself on {@link Addresses#HEARTBEAT}, built from its {@link ServedModel}. */
public final class Heartbeats {
  private Heartbeats() {}

  public static ModelRef wire(VersionRef ref) {
    return ref == null ? null : new ModelRef(ref.number(), ref.id());
  }

  public static void publish(Vertx vertx, String role, boolean accepting, ServedModel<?> model) {
    ServedModel.Loaded<?> current = model.current(), previous = model.previous();
    NodeHeartbeat heartbeat = new NodeHeartbeat(role, NodeIdentity.id(), accepting,
        current == null ? null : wire(current.ref()), previous == null ? null : wire(previous.ref()), wire(model.loading()),
        model.lastError());
    vertx.eventBus().publish(Addresses.HEARTBEAT, heartbeat.toJson());
  }
}

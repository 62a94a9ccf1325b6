package io.recserve.serving;

import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.RelayBatch;
import io.recserve.contract.RelayReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * This node's {@link Addresses#RELAY}: a {@link RelayBatch} of requests for one of the {@link Addresses#RELAYED}
 * addresses is handed body by body to this node's own copy of that address, and answered with one
 * {@link RelayReply} once every body has its reply or failure. Each body waits at most the batch's {@code timeout_ms}
 * less a tenth, so that the reply, with the failures as they came, reaches the sender before its own timeout. The
 * launcher deploys it on every node that runs the embedding or ANN role.
 */
public final class RelayVerticle extends VerticleBase {
  @Override
  public Future<?> start() {
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.onNode(Addresses.RELAY, NodeIdentity.id()), this::relay);
    return consumer.completion();
  }

  private void relay(Message<Object> message) {
    RelayBatch batch;
    try {
      batch = RelayBatch.of(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, String.valueOf(e.getMessage()));
      return;
    }
    if (!Addresses.RELAYED.contains(batch.address())) {
      message.fail(FailureCodes.BAD_MESSAGE, "address " + batch.address() + " is not relayed; only " + Addresses.RELAYED);
      return;
    }
    if (batch.timeoutMs() < 1) { // without it each body would get 1 ms, and fail though its node answers
      message.fail(FailureCodes.BAD_MESSAGE, "timeout_ms is required: how long the sender waits for the batch, in ms (1 or more)");
      return;
    }
    String target = Addresses.onNode(batch.address(), NodeIdentity.id());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(Math.max(1, batch.timeoutMs() - batch.timeoutMs() / 10));
    List<Future<RelayReply.Item>> items = new ArrayList<>(batch.bodies().size());
    for (Object body : batch.bodies()) {
      items.add(vertx.eventBus().request(target, body, options).transform(ar -> Future.succeededFuture(ar.succeeded()
          ? RelayReply.Item.of(ar.result().body())
          : ar.cause() instanceof ReplyException r
              ? RelayReply.Item.failed(r.failureType(), r.failureCode(), r.getMessage())
              : RelayReply.Item.failed(ReplyFailure.RECIPIENT_FAILURE, FailureCodes.INTERNAL, String.valueOf(ar.cause().getMessage())))));
    }
    Future.all(items).onComplete(done -> {
      List<RelayReply.Item> replies = new ArrayList<>(items.size());
      for (Future<RelayReply.Item> item : items) replies.add(item.result());
      message.reply(new RelayReply(replies));
    });
  }
}

package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelRef;
import io.recserve.contract.RelayBatch;
import io.recserve.contract.RelayReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP side of the relay: the requests of one event-loop turn for another node cross in one message. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RelayBatcherTest {
  private static final ModelRef V1 = new ModelRef(1, "id-1");
  private Vertx vertx;
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  private final List<Integer> alone = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Codecs.register(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A stub of node {@code node}'s relay: even users are answered, odd ones fail as the embedding verticle would. */
  private void relayOn(String node) {
    vertx.eventBus().consumer(Addresses.onNode(Addresses.RELAY, node), m -> {
      RelayBatch batch = RelayBatch.fromJson(RelayBatch.of(m.body()).toJson()); // as it crosses: JSON
      batchSizes.add(batch.bodies().size());
      List<RelayReply.Item> replies = new ArrayList<>();
      for (Object body : batch.bodies()) {
        int user = ((JsonObject) body).getInteger("user_id");
        replies.add(user % 2 == 0 ? RelayReply.Item.of(new JsonObject().put("user", user))
            : RelayReply.Item.failed(ReplyFailure.RECIPIENT_FAILURE, FailureCodes.MODEL_NOT_LOADED, "user " + user + " not here"));
      }
      m.reply(RelayReply.fromJson(new RelayReply(replies).toJson()));
    });
  }

  private void directOn(String node) {
    vertx.eventBus().consumer(Addresses.onNode(Addresses.EMBEDDING_USER, node), m -> {
      int user = UserEmbeddingRequest.of(m.body()).userId();
      alone.add(user);
      m.reply(new JsonObject().put("user", user));
    });
  }

  /** Sends requests for users {@code from..to} to {@code node} in one turn of an event loop, and waits for each outcome. */
  private List<Future<Object>> inOneTurn(RelayBatcher batcher, String node, int from, int to, long timeoutMillis) throws Exception {
    Promise<List<Future<Object>>> sent = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<Object>> replies = new ArrayList<>();
      for (int user = from; user <= to; user++) {
        replies.add(batcher.request(node, Addresses.EMBEDDING_USER, new UserEmbeddingRequest(user, V1), timeoutMillis));
      }
      sent.complete(replies);
    });
    List<Future<Object>> replies = sent.future().await(5, TimeUnit.SECONDS);
    Future.join(replies).otherwiseEmpty().await(5, TimeUnit.SECONDS);
    return replies;
  }

  @Test
  void theRequestsOfOneTurnCrossInOneMessageAndEachGetsItsOwnReplyOrFailure() throws Exception {
    relayOn("node-b");
    directOn("node-b");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RelayBatcher batcher = new RelayBatcher(vertx, 64, registry);
    assertThat(batcher.relays("node-b", Addresses.EMBEDDING_USER)).isTrue();
    assertThat(batcher.relays("node-b", Addresses.CACHE_GET)).as("not a relayed address").isFalse();
    assertThat(batcher.relays(io.recserve.contract.NodeIdentity.id(), Addresses.EMBEDDING_USER)).as("this node: no crossing to save").isFalse();

    List<Future<Object>> replies = inOneTurn(batcher, "node-b", 10, 14, 2000);
    assertThat(batchSizes).containsExactly(5);
    assertThat(alone).isEmpty();
    for (int i = 0; i < replies.size(); i++) {
      int user = 10 + i;
      Future<Object> reply = replies.get(i);
      if (user % 2 == 0) {
        assertThat(reply.succeeded()).isTrue();
        assertThat(((JsonObject) reply.result()).getInteger("user")).isEqualTo(user);
      } else {
        assertThat(reply.cause()).isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(e.failureCode()).isEqualTo(FailureCodes.MODEL_NOT_LOADED);
          assertThat(e.getMessage()).isEqualTo("user " + user + " not here");
        });
      }
    }

    // A request alone in its turn goes as it is, to the node's own copy of the address.
    assertThat(inOneTurn(batcher, "node-b", 20, 20, 2000).get(0).result()).isEqualTo(new JsonObject().put("user", 20));
    assertThat(alone).containsExactly(20);
    assertThat(batchSizes).containsExactly(5);
    DistributionSummary sizes = registry.get("recserve_eventbus_relay_batch_size").summary();
    assertThat(sizes.count()).isEqualTo(2);
    assertThat(sizes.totalAmount()).isEqualTo(6);
  }

  @Test
  void aBatchHoldsAtMostTheConfiguredNumberAndTheRestFollows() throws Exception {
    relayOn("node-b");
    directOn("node-b");
    List<Future<Object>> replies = inOneTurn(new RelayBatcher(vertx, 2, null), "node-b", 0, 4, 2000);
    assertThat(batchSizes).containsExactly(2, 2);
    assertThat(alone).containsExactly(4);
    assertThat(replies).extracting(f -> f.succeeded() ? ((JsonObject) f.result()).getInteger("user") : null).containsExactly(0, null, 2, null, 4);
  }

  @Test
  void aNodeWithoutARelayGetsItsRequestsOneByOneFromThenOn() throws Exception {
    directOn("old-node");
    RelayBatcher batcher = new RelayBatcher(vertx, 64, null);
    List<Future<Object>> replies = inOneTurn(batcher, "old-node", 1, 3, 2000);
    assertThat(replies).extracting(f -> ((JsonObject) f.result()).getInteger("user")).containsExactly(1, 2, 3);
    assertThat(batcher.relays("old-node", Addresses.EMBEDDING_USER)).isFalse();
  }

  @Test
  void aBatchWithoutAnAnswerFailsEachRequestWithTheTimeout() throws Exception {
    vertx.eventBus().consumer(Addresses.onNode(Addresses.RELAY, "slow-node"), m -> batchSizes.add(-1)); // never answers
    long started = System.nanoTime();
    List<Future<Object>> replies = inOneTurn(new RelayBatcher(vertx, 64, null), "slow-node", 1, 3, 200);
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3000);
    assertThat(replies).allSatisfy(f -> assertThat(f.cause()).isInstanceOfSatisfying(ReplyException.class,
        e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.TIMEOUT)));
  }
}

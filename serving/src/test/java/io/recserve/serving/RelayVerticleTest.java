package io.recserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.RelayBatch;
import io.recserve.contract.RelayReply;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The receiving side of a batch: each body to this node's own copy of the address, the replies in order. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RelayVerticleTest {
  private static final ModelRef V1 = new ModelRef(1, "id-1");
  private Vertx vertx;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Codecs.register(vertx);
    vertx.deployVerticle(new RelayVerticle()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private RelayReply relay(RelayBatch batch, long waitMillis) throws Exception {
    // as it comes from another node: JSON; and the reply as it goes back
    Object reply = vertx.eventBus().request(Addresses.onNode(Addresses.RELAY, NodeIdentity.id()), batch.toJson(),
        new DeliveryOptions().setSendTimeout(waitMillis)).await(10, TimeUnit.SECONDS).body();
    return RelayReply.fromJson(RelayReply.of(reply).toJson());
  }

  @Test
  void eachBodyGoesToThisNodesAddressAndItsReplyOrFailureComesBackInOrder() throws Exception {
    // user 1 is known, user 2's version is not loaded, user 3 is never answered
    vertx.eventBus().consumer(Addresses.onNode(Addresses.EMBEDDING_USER, NodeIdentity.id()), m -> {
      UserEmbeddingRequest request = UserEmbeddingRequest.of(m.body());
      switch (request.userId()) {
        case 1 -> m.reply(new UserEmbeddingReply(1, V1, true, new float[] {0.5f, -1f}, new int[] {7}, 3));
        case 2 -> m.fail(FailureCodes.MODEL_NOT_LOADED, "version 1 is not loaded");
        default -> { }
      }
    });
    List<Object> bodies = List.of(new UserEmbeddingRequest(1, V1), new UserEmbeddingRequest(2, V1), new UserEmbeddingRequest(3, V1));
    long started = System.nanoTime();
    RelayReply reply = relay(new RelayBatch(Addresses.EMBEDDING_USER, 300, bodies), 2000);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(tookMillis).as("the reply, with the unanswered body failed, comes before the sender gives up").isLessThan(2000);

    assertThat(reply.replies()).hasSize(3);
    UserEmbeddingReply user = UserEmbeddingReply.of(reply.replies().get(0).body());
    assertThat(user.found()).isTrue();
    assertThat(user.vector()).containsExactly(0.5f, -1f);
    assertThat(user.rated()).containsExactly(7);
    assertThat(user.generation()).isEqualTo(3);
    RelayReply.Item notLoaded = reply.replies().get(1);
    assertThat(notLoaded.failure()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(notLoaded.code()).isEqualTo(FailureCodes.MODEL_NOT_LOADED);
    assertThat(notLoaded.message()).isEqualTo("version 1 is not loaded");
    assertThat(reply.replies().get(2).failure()).isEqualTo(ReplyFailure.TIMEOUT);
  }

  @Test
  void aBodyForAnAddressNobodyServesHereFailsAloneAndAnAddressOffThePathIsRefused() throws Exception {
    RelayReply reply = relay(new RelayBatch(Addresses.ANN_SEARCH, 500, List.of(new JsonObject().put("k", 1))), 2000);
    assertThat(reply.replies()).singleElement().satisfies(item -> assertThat(item.failure()).isEqualTo(ReplyFailure.NO_HANDLERS));

    assertThatThrownBy(() -> relay(new RelayBatch(Addresses.FEEDBACK_FORGET, 500, List.of(new JsonObject().put("user_id", 1))), 2000))
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE);
          assertThat(e.getMessage()).contains(Addresses.FEEDBACK_FORGET);
        });
  }

  /**
   * Found by an audit of docs/event-bus.md: a batch from another language without {@code timeout_ms} gave each body
   * 1 ms, so every body failed with TIMEOUT though its node would have answered. It is a malformed batch.
   */
  @Test
  void aBatchWithoutItsTimeoutIsRefused() throws Exception {
    vertx.eventBus().consumer(Addresses.onNode(Addresses.EMBEDDING_USER, NodeIdentity.id()), m -> m.reply(new UserEmbeddingReply(1, V1, false, new float[0], new int[0], 0)));
    for (JsonObject batch : List.of(new JsonObject(), new JsonObject().put("timeout_ms", 0))) {
      batch.put("address", Addresses.EMBEDDING_USER).put("bodies", new io.vertx.core.json.JsonArray().add(new UserEmbeddingRequest(1, V1).toJson()));
      assertThatThrownBy(() -> vertx.eventBus().request(Addresses.onNode(Addresses.RELAY, NodeIdentity.id()), batch).await(5, TimeUnit.SECONDS))
          .as(batch.encode())
          .isInstanceOfSatisfying(ReplyException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(FailureCodes.BAD_MESSAGE);
            assertThat(e.getMessage()).contains("timeout_ms");
          });
    }
  }
}

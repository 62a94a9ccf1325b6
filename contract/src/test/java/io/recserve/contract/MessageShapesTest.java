package io.recserve.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class MessageShapesTest {
  @Test
  void vectorsAndIdsTravelAsDocumentedBase64() {
    ModelRef v3 = new ModelRef(3, "5f0c7a52-3d1e-4c8e-9a57-3f1f0b0e2a11");
    JsonObject json = new UserEmbeddingReply(42, v3, true, new float[] {0.05f, 0.1f}, new int[] {1, 50}).toJson();
    assertThat(json.getString("vector")).isEqualTo("zcxMPc3MzD0=");
    assertThat(json.getString("rated")).isEqualTo("AQAAADIAAAA=");
    UserEmbeddingReply back = UserEmbeddingReply.fromJson(new JsonObject(json.encode()));
    assertThat(back.vector()).containsExactly(0.05f, 0.1f);
    assertThat(back.rated()).containsExactly(1, 50);
    assertThat(back.model()).isEqualTo(v3);
    assertThat(json.getLong("model_version")).isEqualTo(3);
    assertThat(json.getString("model_id")).isEqualTo(v3.id());
    assertThat(UserEmbeddingReply.fromJson(UserEmbeddingReply.unknown(7, v3).toJson()).vector()).isEmpty();
  }

  @Test
  void searchRequestAndReplyRoundTrip() {
    ModelRef v9 = new ModelRef(9, "0b9d3c38-8f3e-4f7e-8d51-54d2a8e6f001");
    NeighbourSearchRequest request = new NeighbourSearchRequest(new float[] {1, -2.5f}, 10, new int[] {3}, v9);
    NeighbourSearchRequest back = NeighbourSearchRequest.fromJson(new JsonObject(request.toJson().encode()));
    assertThat(back.vector()).containsExactly(1, -2.5f);
    assertThat(back.exclude()).containsExactly(3);
    assertThat(back.k()).isEqualTo(10);
    assertThat(back.model()).isEqualTo(v9);
    JsonArray recs = new JsonArray().add(new Recommendation(1, "Toy Story (1995)", java.util.List.of("Animation"), 0.7).toJson());
    NeighbourSearchReply reply = NeighbourSearchReply.fromJson(new NeighbourSearchReply(v9, "1@h", recs).toJson());
    assertThat(Recommendation.fromJson(reply.recommendations().getJsonObject(0)).title()).isEqualTo("Toy Story (1995)");
  }

  @Test
  void eventsKeepEveryField() {
    RecommendationEvent event = new RecommendationEvent("6e40fc98-5529-40c0-b4fa-bb73917c9012", 1, 10,
        new JsonArray().add(new JsonObject().put("movie_id", 1036).put("score", 0.66)), 1, true, 1.5, "2026-11-28T17:49:40Z");
    assertThat(RecommendationEvent.fromJson(new JsonObject(event.toJson().encode()))).isEqualTo(event);
    assertThat(event.toJson().fieldNames()).containsExactlyInAnyOrder("request_id", "user_id", "cutoff", "items", "model_version",
        "cache_hit", "latency_ms", "time");
  }

  @Test
  void malformedMessagesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> UserEmbeddingRequest.fromJson(new JsonObject().put("user_id", "x"))).hasMessageContaining("'user_id'");
    assertThatThrownBy(() -> CacheGet.fromJson(new JsonObject())).hasMessageContaining("'key'");
    assertThat(UserEmbeddingRequest.fromJson(new JsonObject().put("user_id", 5)).model()).isNull();
    assertThat(CacheEntry.recommendationKey(new ModelRef(3, "abc"), 42, 10)).isEqualTo("rec:" + CacheEntry.FORMAT + ":abc:u42:k10");
  }

  @Test
  void heartbeatsSayWhatANodeHolds() {
    ModelRef v4 = new ModelRef(4, "id-4"), v3 = new ModelRef(3, "id-3"), v5 = new ModelRef(5, "id-5");
    NodeHeartbeat beat = new NodeHeartbeat("ann", "1@h-ab12", true, v4, v3, v5);
    JsonObject json = beat.toJson();
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("role", "node", "accepting", "model_version", "model_id",
        "previous_version", "previous_id", "loading_version", "loading_id");
    assertThat(NodeHeartbeat.fromJson(new JsonObject(json.encode()))).isEqualTo(beat);
    assertThat(beat.holds(v3)).isTrue();
    assertThat(beat.holds(new ModelRef(4, "another id"))).as("matched by id, not number").isFalse();
    assertThat(NodeHeartbeat.fromJson(new NodeHeartbeat("http", "n", true, null, null, null).toJson()).current()).isNull();
    assertThat(Addresses.onNode(Addresses.ANN_SEARCH, "1@h-ab12")).isEqualTo("recserve.ann.search.1@h-ab12");
  }
}

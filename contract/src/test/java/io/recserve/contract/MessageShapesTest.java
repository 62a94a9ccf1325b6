package io.recserve.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class MessageShapesTest {
  @Test
  void vectorsAndIdsTravelAsDocumentedBase64() {
    JsonObject json = new UserEmbeddingReply(42, 3, true, new float[] {0.05f, 0.1f}, new int[] {1, 50}).toJson();
    assertThat(json.getString("vector")).isEqualTo("zcxMPc3MzD0=");
    assertThat(json.getString("rated")).isEqualTo("AQAAADIAAAA=");
    UserEmbeddingReply back = UserEmbeddingReply.fromJson(new JsonObject(json.encode()));
    assertThat(back.vector()).containsExactly(0.05f, 0.1f);
    assertThat(back.rated()).containsExactly(1, 50);
    assertThat(UserEmbeddingReply.fromJson(UserEmbeddingReply.unknown(7, 3).toJson()).vector()).isEmpty();
  }

  @Test
  void searchRequestAndReplyRoundTrip() {
    NeighbourSearchRequest request = new NeighbourSearchRequest(new float[] {1, -2.5f}, 10, new int[] {3}, 9);
    NeighbourSearchRequest back = NeighbourSearchRequest.fromJson(new JsonObject(request.toJson().encode()));
    assertThat(back.vector()).containsExactly(1, -2.5f);
    assertThat(back.exclude()).containsExactly(3);
    assertThat(back.k()).isEqualTo(10);
    assertThat(back.modelVersion()).isEqualTo(9);
    JsonArray recs = new JsonArray().add(new Recommendation(1, "Toy Story (1995)", java.util.List.of("Animation"), 0.7).toJson());
    NeighbourSearchReply reply = NeighbourSearchReply.fromJson(new NeighbourSearchReply(9, "1@h", recs).toJson());
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
    assertThat(UserEmbeddingRequest.fromJson(new JsonObject().put("user_id", 5)).modelVersion()).isZero();
    assertThat(CacheEntry.recommendationKey(3, 42, 10)).isEqualTo("rec:v3:u42:k10");
  }
}

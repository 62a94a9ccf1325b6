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
    String recs = new JsonArray().add(new Recommendation(1, "Toy Story (1995)", java.util.List.of("Animation"), 0.7).toJson()).encode();
    NeighbourSearchReply reply = NeighbourSearchReply.fromJson(new JsonObject(
        new NeighbourSearchReply(v9, "1@h", recs, new int[] {1}, new float[] {0.7f}).toJson().encode()));
    assertThat(Recommendation.fromJson(new JsonArray(reply.recommendations()).getJsonObject(0)).title()).isEqualTo("Toy Story (1995)");
    assertThat(reply.movieIds()).containsExactly(1);
    assertThat(reply.scores()).containsExactly(0.7f);

    // The same search asked of a node that runs both roles, and its answer, as they cross between JVMs.
    Filters drama = Filters.fromJson(new JsonObject().put("genres", new JsonArray().add("Drama")).put("year_min", 1990));
    UserSearchRequest one = UserSearchRequest.fromJson(new JsonObject(new UserSearchRequest(42, 10, v9, drama).toJson().encode()));
    assertThat(one).isEqualTo(new UserSearchRequest(42, 10, v9, drama));
    UserSearchReply found = UserSearchReply.fromJson(new JsonObject(
        new UserSearchReply(42, v9, true, 7, new NeighbourSearchReply(v9, "1@h", recs, new int[] {1}, new float[] {0.7f})).toJson().encode()));
    assertThat(found.found()).isTrue();
    assertThat(found.generation()).isEqualTo(7);
    assertThat(found.search().movieIds()).containsExactly(1);
    assertThat(found.search().recommendations()).isEqualTo(recs);
    UserSearchReply unknown = UserSearchReply.fromJson(new JsonObject(UserSearchReply.unknown(42, v9).toJson().encode()));
    assertThat(unknown.found()).isFalse();
    assertThat(unknown.search()).isNull();
  }

  /** A relayed batch's replies: written and read without a tree, the same JSON as the tree, the recommendations as they were. */
  @Test
  void relayedRepliesAreTheSameJsonAsTheTreeAndKeepTheRecommendationsText() {
    ModelRef v9 = new ModelRef(9, "0b9d3c38-8f3e-4f7e-8d51-54d2a8e6f001");
    String recs = new JsonArray().add(new Recommendation(1, "\"Great\" Expectations \\ Amélie (2001)", java.util.List.of("Drama", "Romance"), 0.7).toJson())
        .add(new Recommendation(2, "Toy Story (1995)", java.util.List.of(), 0.5).toJson()).encode();
    NeighbourSearchReply search = new NeighbourSearchReply(v9, "1@h\"x", recs, new int[] {1, 2}, new float[] {0.7f, 0.5f});
    UserSearchReply found = new UserSearchReply(42, v9, true, 7, search);
    UserSearchReply unknown = UserSearchReply.unknown(43, v9);
    UserEmbeddingReply user = new UserEmbeddingReply(44, v9, true, new float[] {0.25f}, new int[] {5}, 0);
    UserEmbeddingReply changed = new UserEmbeddingReply(45, v9, true, new float[] {0.25f, -1}, new int[] {5, 6}, 12);
    UserEmbeddingReply nobody = UserEmbeddingReply.unknown(46, null);
    Filters drama = Filters.fromJson(new JsonObject().put("genres", new JsonArray().add("Drama")).put("exclude_movie_ids", new JsonArray().add(3)));
    NeighbourSearchRequest ask = new NeighbourSearchRequest(new float[] {1, -2.5f}, 10, new int[] {3, 4}, v9);
    NeighbourSearchRequest narrowed = new NeighbourSearchRequest(new float[] {1}, 5, new int[0], null, drama);
    for (Object body : java.util.List.of(found, unknown, search, user, changed, nobody, ask, narrowed)) {
      assertThat(new JsonObject(Codecs.encode(body, new StringBuilder()).toString())).as(body.getClass().getSimpleName()).isEqualTo(Codecs.toJson(body));
    }
    for (UserEmbeddingReply u : java.util.List.of(user, changed, nobody)) {
      UserEmbeddingReply back = UserEmbeddingReply.read(u.encode(new StringBuilder()).toString());
      assertThat(back).usingRecursiveComparison().isEqualTo(u);
    }
    for (NeighbourSearchRequest n : java.util.List.of(ask, narrowed)) {
      NeighbourSearchRequest back = NeighbourSearchRequest.read(n.encode(new StringBuilder()).toString());
      assertThat(back).usingRecursiveComparison().isEqualTo(NeighbourSearchRequest.fromJson(n.toJson()));
      assertThat(back.filters()).isEqualTo(n.filters());
    }
    assertThatThrownBy(() -> NeighbourSearchRequest.read("{\"vector\":\"\"}")).hasMessageContaining("'k'");
    assertThatThrownBy(() -> UserEmbeddingReply.read("{\"found\":true}")).hasMessageContaining("'user_id'");
    RelayBatch batch = new RelayBatch(Addresses.EMBEDDING_SEARCH, 500, java.util.List.of(new UserSearchRequest(42, 10, v9, null), new UserSearchRequest(43, 5, v9, null)));
    assertThat(new JsonObject(Codecs.encode(batch, new StringBuilder()).toString())).isEqualTo(batch.toJson());
    // Read back, each body is the record its address takes (handed on with no copy); one that does not read stays JSON.
    assertThat(RelayBatch.read(batch.encode(new StringBuilder()).toString())).isEqualTo(batch);
    RelayBatch searches = new RelayBatch(Addresses.ANN_SEARCH, 400, java.util.List.of(ask, narrowed));
    RelayBatch searchesBack = RelayBatch.read(searches.encode(new StringBuilder()).toString());
    assertThat(searchesBack.bodies()).hasSize(2).allSatisfy(b -> assertThat(b).isInstanceOf(NeighbourSearchRequest.class));
    assertThat(((NeighbourSearchRequest) searchesBack.bodies().get(1)).filters()).isEqualTo(drama);
    RelayBatch users = RelayBatch.read("{\"address\":\"" + Addresses.EMBEDDING_USER + "\",\"bodies\":[{\"user_id\":7},{\"user_id\":\"x\"},{\"user_id\":8}],\"timeout_ms\":300}");
    assertThat(users.bodies()).containsExactly(new UserEmbeddingRequest(7, null), new JsonObject().put("user_id", "x"), new UserEmbeddingRequest(8, null));
    assertThat(users.timeoutMs()).isEqualTo(300);
    String noK = "{\"vector\":\"AACAPw==\",\"filters\":{\"genres\":[\"Drama\"]},\"exclude\":\"\"}";
    RelayBatch oneBroken = RelayBatch.read("{\"address\":\"" + Addresses.ANN_SEARCH + "\",\"bodies\":[" + noK + "," + ask.encode(new StringBuilder()) + "]}");
    assertThat(oneBroken.bodies().get(0)).as("read to its end, left for the verticle to refuse").isEqualTo(new JsonObject(noK));
    assertThat(oneBroken.bodies().get(1)).usingRecursiveComparison().isEqualTo(NeighbourSearchRequest.fromJson(ask.toJson()));
    RelayBatch addressLast = RelayBatch.read("{\"bodies\":[{\"user_id\":7}],\"address\":\"" + Addresses.EMBEDDING_USER + "\"}");
    assertThat(addressLast.bodies()).as("another writer's order: read as JSON").containsExactly(new JsonObject().put("user_id", 7));
    assertThatThrownBy(() -> RelayBatch.read("{\"address\":\"a\",\"bodies\":[1]}")).hasMessageContaining("'bodies'");
    RelayReply reply = new RelayReply(java.util.List.of(RelayReply.Item.of(found), RelayReply.Item.of(unknown), RelayReply.Item.of(search),
        RelayReply.Item.of(user), RelayReply.Item.failed(io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE, 503, "not \"loaded\"")));
    String text = reply.encode(new StringBuilder()).toString();
    assertThat(new JsonObject(text)).isEqualTo(reply.toJson());

    java.util.List<RelayReply.Item> back = RelayReply.decode(text).replies();
    assertThat(back).hasSize(5);
    UserSearchReply foundBack = UserSearchReply.of(back.get(0).body());
    assertThat(foundBack.userId()).isEqualTo(42);
    assertThat(foundBack.model()).isEqualTo(v9);
    assertThat(foundBack.found()).isTrue();
    assertThat(foundBack.generation()).isEqualTo(7);
    assertThat(foundBack.search().recommendations()).as("the text as the index wrote it").isEqualTo(recs);
    assertThat(foundBack.search().node()).isEqualTo("1@h\"x");
    assertThat(foundBack.search().movieIds()).containsExactly(1, 2);
    assertThat(foundBack.search().scores()).containsExactly(0.7f, 0.5f);
    UserSearchReply unknownBack = UserSearchReply.of(back.get(1).body());
    assertThat(unknownBack.found()).isFalse();
    assertThat(unknownBack.search()).isNull();
    assertThat(NeighbourSearchReply.of(back.get(2).body()).recommendations()).isEqualTo(recs);
    assertThat(UserEmbeddingReply.of(back.get(3).body()).vector()).containsExactly(0.25f);
    assertThat(back.get(4).failure()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE);
    assertThat(back.get(4).code()).isEqualTo(503);
    assertThat(back.get(4).message()).isEqualTo("not \"loaded\"");

    // Read by the sender, which knows the address asked: each body is its record at once, in one pass over the text.
    RelayReply.Item failed = RelayReply.Item.failed(io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE, 429, "full");
    java.util.List<RelayReply.Item> searchReplies = RelayReply.decode(new RelayReply(java.util.List.of(RelayReply.Item.of(search), failed))
        .encode(new StringBuilder()).toString()).replies(Addresses.ANN_SEARCH);
    assertThat(searchReplies.get(0).body()).isInstanceOf(NeighbourSearchReply.class).usingRecursiveComparison().isEqualTo(search);
    assertThat(searchReplies.get(1).code()).isEqualTo(429);
    java.util.List<RelayReply.Item> userReplies = RelayReply.decode(new RelayReply(java.util.List.of(RelayReply.Item.of(found), RelayReply.Item.of(unknown)))
        .encode(new StringBuilder()).toString()).replies(Addresses.EMBEDDING_SEARCH);
    assertThat(userReplies.get(0).body()).isInstanceOf(UserSearchReply.class).usingRecursiveComparison().isEqualTo(found);
    assertThat(userReplies.get(1).body()).usingRecursiveComparison().isEqualTo(unknown);
    java.util.List<RelayReply.Item> vectors = RelayReply.decode(new RelayReply(java.util.List.of(RelayReply.Item.of(user), RelayReply.Item.of(changed)))
        .encode(new StringBuilder()).toString()).replies(Addresses.EMBEDDING_USER);
    assertThat(vectors.get(1).body()).isInstanceOf(UserEmbeddingReply.class).usingRecursiveComparison().isEqualTo(changed);
    // A body that is not the record its address replies with: every body is given as its text, for the record's own
    // reading to refuse, as when the replies are read without the address.
    String odd = "{\"replies\":[{\"body\":{\"user_id\":\"x\"}},{\"body\":" + user.encode(new StringBuilder()) + "}]}";
    java.util.List<RelayReply.Item> oddBack = RelayReply.decode(odd).replies(Addresses.EMBEDDING_USER);
    assertThat(oddBack.get(0).body()).isEqualTo(new RawJson("{\"user_id\":\"x\"}"));
    assertThatThrownBy(() -> UserEmbeddingReply.of(oddBack.get(0).body())).hasMessageContaining("'user_id'");
    assertThat(UserEmbeddingReply.of(oddBack.get(1).body())).usingRecursiveComparison().isEqualTo(user);
  }

  @Test
  void eventsKeepEveryFieldAndTheHandWrittenJsonIsTheSameAsTheTree() {
    RecommendationEvent event = new RecommendationEvent("6e40fc98-5529-40c0-b4fa-bb73917c9012", "recommend", 1, 10,
        new int[] {1036}, new float[] {0.66f}, 1, true, 1.5, java.time.Instant.parse("2026-11-28T17:49:40Z").toEpochMilli());
    assertThat(RecommendationEvent.fromJson(new JsonObject(event.toJson().encode()))).isEqualTo(event);
    assertThat(new JsonObject(event.encode(new StringBuilder()).toString())).isEqualTo(new JsonObject(event.toJson().encode()));
    assertThat(event.toJson().fieldNames()).containsExactlyInAnyOrder("request_id", "kind", "user_id", "cutoff", "items", "model_version",
        "cache_hit", "latency_ms", "time");
    RecommendationEvent anonymous = new RecommendationEvent("6e40fc98-5529-40c0-b4fa-bb73917c9013", "similar", null, 5,
        new int[0], new float[0], 1, false, 0.5, 0);
    assertThat(anonymous.toJson().containsKey("user_id")).isFalse();
    assertThat(RecommendationEvent.fromJson(anonymous.toJson()).userId()).isNull();
    EventBatch batch = new EventBatch(java.util.List.of(event, anonymous));
    assertThat(EventBatch.fromJson(new JsonObject(batch.encode(new StringBuilder()).toString()))).isEqualTo(batch);
    assertThat(EventBatch.read(batch.encode(new StringBuilder()).toString())).isEqualTo(batch);
    assertThatThrownBy(() -> RecommendationEvent.fromJson(event.toJson().put("request_id", "not-a-uuid"))).hasMessageContaining("'request_id'");
  }

  @Test
  void theStreamingReadOfAnEventBatchIsTheTreesReadChecksIncluded() {
    java.util.Random random = new java.util.Random(7);
    java.util.List<RecommendationEvent> events = new java.util.ArrayList<>();
    for (int e = 0; e < 50; e++) {
      int n = random.nextInt(40); // past the reader's first array of 16
      int[] movies = new int[n];
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        movies[i] = random.nextInt(200_000);
        scores[i] = random.nextFloat();
      }
      events.add(new RecommendationEvent(java.util.UUID.randomUUID().toString(), e % 3 == 0 ? "similar" : "recommend", e % 3 == 0 ? null : e,
          n, movies, scores, random.nextInt(5), random.nextBoolean(), random.nextDouble() * 100, 1_764_000_000_000L + random.nextInt(1 << 30)));
    }
    EventBatch batch = new EventBatch(events);
    assertThat(EventBatch.read(batch.encode(new StringBuilder()).toString())).isEqualTo(EventBatch.fromJson(new JsonObject(batch.encode(new StringBuilder()).toString()))).isEqualTo(batch);
    // Fields in another order, unknown ones, nulls and absent ones, as another writer may send them.
    String other = "{\"extra\":{\"a\":[1,2]},\"events\":[{\"time\":\"2026-11-28T17:49:40.5Z\",\"items\":[{\"score\":0.5,\"movie_id\":3,\"why\":null}],"
        + "\"user_id\":null,\"request_id\":\"6e40fc98-5529-40c0-b4fa-bb73917c9012\",\"note\":\"x\"}]}";
    assertThat(EventBatch.read(other)).isEqualTo(EventBatch.fromJson(new JsonObject(other)));
    RecommendationEvent read = EventBatch.read(other).events().get(0);
    assertThat(read.kind()).isEqualTo("recommend");
    assertThat(read.userId()).isNull();
    assertThat(read.timeMillis()).isEqualTo(java.time.Instant.parse("2026-11-28T17:49:40.5Z").toEpochMilli());
    for (String[] bad : new String[][] {
        {"{\"events\":[{\"request_id\":\"not-a-uuid\"}]}", "'request_id' must be a UUID"},
        {"{\"events\":[{\"kind\":\"recommend\"}]}", "'request_id'"},
        {"{\"events\":[{\"request_id\":\"6e40fc98-5529-40c0-b4fa-bb73917c9012\",\"cutoff\":\"ten\"}]}", "'cutoff' must be an integer"},
        {"{\"events\":[{\"request_id\":\"6e40fc98-5529-40c0-b4fa-bb73917c9012\",\"items\":[{\"score\":1}]}]}", "'movie_id' must be an integer"},
        {"{\"events\":{}}", "'events' must be an array"},
        {"{}", "'events' must be an array"}}) {
      assertThatThrownBy(() -> EventBatch.read(bad[0])).as(bad[0]).hasMessageContaining(bad[1]);
      assertThatThrownBy(() -> EventBatch.fromJson(new JsonObject(bad[0]))).as("the tree refuses it too: " + bad[0]).isInstanceOf(RuntimeException.class);
    }
  }

  @Test
  void anEventsTimeReadsAsInstantParseReadsIt() {
    java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 20_000; i++) {
      long seconds = java.time.Instant.parse("0000-01-01T00:00:00Z").getEpochSecond()
          + (long) (random.nextDouble() * (java.time.Instant.parse("9999-12-31T23:59:59Z").getEpochSecond() - java.time.Instant.parse("0000-01-01T00:00:00Z").getEpochSecond()));
      int nanos = switch (i % 5) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1000;
        case 3 -> random.nextInt(1_000_000_000);
        default -> random.nextInt(10) * 100_000_000; // one digit, as .5
      };
      String text = java.time.Instant.ofEpochSecond(seconds, nanos).toString();
      assertThat(RecommendationEvent.epochMillis(text)).as(text).isEqualTo(java.time.Instant.parse(text).toEpochMilli());
    }
    for (String other : new String[] {"2026-11-28T17:49:40.12Z", "1969-12-31T23:59:59.5Z", "+10000-01-01T00:00:00Z", "2026-11-28T17:49:40+01:00",
        "2026-11-28T24:00:00Z", "2026-11-28T17:49:40.Z"}) { // the last two: Instant.parse takes them, so must this
      assertThat(RecommendationEvent.epochMillis(other)).as(other).isEqualTo(java.time.Instant.parse(other).toEpochMilli());
    }
    for (String bad : new String[] {"2026-02-30T00:00:00Z", "2026-1a-28T17:49:40Z", "2026-11-28T-1:49:40Z"}) {
      assertThatThrownBy(() -> RecommendationEvent.epochMillis(bad)).as(bad).isInstanceOf(java.time.format.DateTimeParseException.class);
    }
  }

  @Test
  void recordsTravelAsThemselvesInsideTheJvmAndAsJsonBetweenNodes() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      Codecs.register(vertx);
      Codecs.register(vertx); // once is enough; a second call does nothing
      UserEmbeddingRequest request = new UserEmbeddingRequest(7, new ModelRef(3, "id-3"));
      java.util.concurrent.atomic.AtomicReference<Object> received = new java.util.concurrent.atomic.AtomicReference<>();
      vertx.eventBus().consumer("test.local", m -> {
        received.set(m.body());
        m.reply("ok");
      });
      vertx.eventBus().request("test.local", request).await(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(received.get()).isSameAs(request);
      var codec = new Codecs.RecordCodec<UserEmbeddingRequest>("t", (r, out) -> out.append(r.toJson().encode()), text -> UserEmbeddingRequest.fromJson(new JsonObject(text)));
      io.vertx.core.buffer.Buffer wire = io.vertx.core.buffer.Buffer.buffer("xx");
      codec.encodeToWire(wire, request);
      assertThat(new JsonObject(wire.getString(6, wire.length()))).isEqualTo(request.toJson());
      assertThat(codec.decodeFromWire(2, wire)).isEqualTo(request);
      // The length in front counts UTF-8 bytes, not chars.
      var titles = new Codecs.RecordCodec<String>("s", (t, out) -> out.append(t), t -> t);
      io.vertx.core.buffer.Buffer accents = io.vertx.core.buffer.Buffer.buffer("x");
      titles.encodeToWire(accents, "Amélie (2001) – ★");
      assertThat(accents.getInt(1)).isEqualTo("Amélie (2001) – ★".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
      assertThat(titles.decodeFromWire(1, accents)).isEqualTo("Amélie (2001) – ★");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void malformedMessagesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> UserEmbeddingRequest.fromJson(new JsonObject().put("user_id", "x"))).hasMessageContaining("'user_id'");
    assertThatThrownBy(() -> CacheGet.fromJson(new JsonObject())).hasMessageContaining("'key'");
    assertThat(UserEmbeddingRequest.fromJson(new JsonObject().put("user_id", 5)).model()).isNull();
    assertThat(CacheEntry.userKey("abc", 42)).isEqualTo("rec:" + CacheEntry.FORMAT + ":abc:u42");
    assertThat(new Filters(java.util.List.of(" Comedy", "action"), null, new int[] {3, 1, 3}, 1990, null).variant())
        .as("filters have one canonical text for cache keys").isEqualTo("|g=action,comedy|xm=1,3|y>=1990");
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

package io.recserve.contract;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * How the message records travel. Inside one JVM a record is handed over as it is: it is immutable, so a consumer
 * may share it, and nothing is copied or encoded (a {@code JsonObject} would be deep-copied on every local delivery).
 * To another node it travels as the JSON documented in docs/event-bus.md (UTF-8 text after a 4-byte length), under
 * the codec name {@code recserve.<Record>}, which every Recserve node registers at start.
 */
public final class Codecs {
  private Codecs() {}

  /** Registers every record's codec on this Vert.x instance, once (later calls do nothing). */
  public static synchronized void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    try {
      bus.registerDefaultCodec(EventBatch.class, new RecordCodec<>("recserve.EventBatch", b -> Buffer.buffer(b.encode()), EventBatch::fromJson));
    } catch (IllegalStateException alreadyRegistered) {
      return;
    }
    bus.registerDefaultCodec(UserEmbeddingRequest.class, json("recserve.UserEmbeddingRequest", UserEmbeddingRequest::toJson, UserEmbeddingRequest::fromJson));
    bus.registerDefaultCodec(UserEmbeddingReply.class, json("recserve.UserEmbeddingReply", UserEmbeddingReply::toJson, UserEmbeddingReply::fromJson));
    bus.registerDefaultCodec(NeighbourSearchRequest.class, json("recserve.NeighbourSearchRequest", NeighbourSearchRequest::toJson, NeighbourSearchRequest::fromJson));
    bus.registerDefaultCodec(NeighbourSearchReply.class, json("recserve.NeighbourSearchReply", NeighbourSearchReply::toJson, NeighbourSearchReply::fromJson));
    bus.registerDefaultCodec(UserSearchRequest.class, json("recserve.UserSearchRequest", UserSearchRequest::toJson, UserSearchRequest::fromJson));
    bus.registerDefaultCodec(UserSearchReply.class, json("recserve.UserSearchReply", UserSearchReply::toJson, UserSearchReply::fromJson));
    bus.registerDefaultCodec(CacheGet.class, json("recserve.CacheGet", CacheGet::toJson, CacheGet::fromJson));
    bus.registerDefaultCodec(CacheEntry.class, json("recserve.CacheEntry", CacheEntry::toJson, CacheEntry::fromJson));
    bus.registerDefaultCodec(SimilarRequest.class, json("recserve.SimilarRequest", SimilarRequest::toJson, SimilarRequest::fromJson));
    bus.registerDefaultCodec(FoldInRequest.class, json("recserve.FoldInRequest", FoldInRequest::toJson, FoldInRequest::fromJson));
    bus.registerDefaultCodec(PopularRequest.class, json("recserve.PopularRequest", PopularRequest::toJson, PopularRequest::fromJson));
    bus.registerDefaultCodec(ExplainRequest.class, json("recserve.ExplainRequest", ExplainRequest::toJson, ExplainRequest::fromJson));
    bus.registerDefaultCodec(FeedbackRequest.class, json("recserve.FeedbackRequest", FeedbackRequest::toJson, FeedbackRequest::fromJson));
    bus.registerDefaultCodec(UserChanged.class, json("recserve.UserChanged", UserChanged::toJson, UserChanged::fromJson));
  }

  private static <T> RecordCodec<T> json(String name, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    return new RecordCodec<>(name, t -> toJson.apply(t).toBuffer(), fromJson);
  }

  /** Identity inside the JVM; JSON text between nodes. */
  static final class RecordCodec<T> implements MessageCodec<T, T> {
    private final String name;
    private final Function<T, Buffer> encode;
    private final Function<JsonObject, T> decode;

    RecordCodec(String name, Function<T, Buffer> encode, Function<JsonObject, T> decode) {
      this.name = name;
      this.encode = encode;
      this.decode = decode;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
      Buffer json = encode.apply(value);
      buffer.appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public T decodeFromWire(int position, Buffer buffer) {
      int length = buffer.getInt(position);
      return decode.apply(new JsonObject(buffer.getString(position + 4, position + 4 + length, StandardCharsets.UTF_8.name())));
    }

    @Override
    public T transform(T value) {
      return value;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}

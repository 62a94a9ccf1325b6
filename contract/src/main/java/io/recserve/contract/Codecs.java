package io.recserve.contract;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * How the message records travel. Inside one JVM a record is handed over as it is: it is immutable, so a consumer
 * may share it, and nothing is copied or encoded (a {@code JsonObject} would be deep-copied on every local delivery).
 * To another node it travels as the JSON documented in docs/event-bus.md (UTF-8 text after a 4-byte length), under
 * the codec name {@code recserve.<Record>}, which every Recserve node registers at start.
 */
public final class Codecs {
  private Codecs() {}

  /** Each record's JSON, by its class: what {@link #toJson} and the codecs write. */
  private static final Map<Class<?>, Function<Object, JsonObject>> TO_JSON = new LinkedHashMap<>();
  private static final Map<Class<?>, Function<JsonObject, ?>> FROM_JSON = new LinkedHashMap<>();

  static {
    shape(UserEmbeddingRequest.class, UserEmbeddingRequest::toJson, UserEmbeddingRequest::fromJson);
    shape(UserEmbeddingReply.class, UserEmbeddingReply::toJson, UserEmbeddingReply::fromJson);
    shape(NeighbourSearchRequest.class, NeighbourSearchRequest::toJson, NeighbourSearchRequest::fromJson);
    shape(NeighbourSearchReply.class, NeighbourSearchReply::toJson, NeighbourSearchReply::fromJson);
    shape(UserSearchRequest.class, UserSearchRequest::toJson, UserSearchRequest::fromJson);
    shape(UserSearchReply.class, UserSearchReply::toJson, UserSearchReply::fromJson);
    shape(CacheGet.class, CacheGet::toJson, CacheGet::fromJson);
    shape(CacheEntry.class, CacheEntry::toJson, CacheEntry::fromJson);
    shape(SimilarRequest.class, SimilarRequest::toJson, SimilarRequest::fromJson);
    shape(FoldInRequest.class, FoldInRequest::toJson, FoldInRequest::fromJson);
    shape(PopularRequest.class, PopularRequest::toJson, PopularRequest::fromJson);
    shape(ExplainRequest.class, ExplainRequest::toJson, ExplainRequest::fromJson);
    shape(FeedbackRequest.class, FeedbackRequest::toJson, FeedbackRequest::fromJson);
    shape(UserChanged.class, UserChanged::toJson, UserChanged::fromJson);
    shape(RelayBatch.class, RelayBatch::toJson, RelayBatch::fromJson);
    shape(RelayReply.class, RelayReply::toJson, RelayReply::fromJson);
  }

  @SuppressWarnings("unchecked")
  private static <T> void shape(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    TO_JSON.put(type, body -> toJson.apply((T) body));
    FROM_JSON.put(type, fromJson);
  }

  /** A message body as JSON: a record of this package by its own shape, a {@code JsonObject} as it is. */
  public static JsonObject toJson(Object body) {
    if (body instanceof JsonObject json) return json;
    if (body instanceof RawJson raw) return new JsonObject(raw.text());
    if (body instanceof EventBatch batch) return batch.toJson();
    Function<Object, JsonObject> toJson = body == null ? null : TO_JSON.get(body.getClass());
    if (toJson == null) throw new IllegalArgumentException("no JSON shape for " + (body == null ? "null" : body.getClass().getName()));
    return toJson.apply(body);
  }

  /**
   * A message body as JSON text, appended to {@code out}: the search replies and raw text without a JSON tree, the rest
   * through {@link #toJson}.
   */
  public static StringBuilder encode(Object body, StringBuilder out) {
    if (body instanceof UserSearchReply r) return r.encode(out);
    if (body instanceof NeighbourSearchReply r) return r.encode(out);
    if (body instanceof RawJson raw) return out.append(raw.text());
    if (body instanceof RelayReply r) return out.append(r.encode());
    return out.append(toJson(body).encode());
  }

  /** Registers every record's codec on this Vert.x instance, once (later calls do nothing). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static synchronized void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    try {
      bus.registerDefaultCodec(EventBatch.class, new RecordCodec<>("recserve.EventBatch", b -> Buffer.buffer(b.encode()), text -> EventBatch.fromJson(new JsonObject(text))));
    } catch (IllegalStateException alreadyRegistered) {
      return;
    }
    for (Class type : TO_JSON.keySet()) {
      Function<Object, JsonObject> fromJson = (Function) FROM_JSON.get(type);
      Function<String, Object> decode = type == RelayReply.class ? RelayReply::decode // the search replies without a tree
          : type == UserSearchReply.class ? text -> UserSearchReply.of(new RawJson(text))
          : type == NeighbourSearchReply.class ? text -> NeighbourSearchReply.of(new RawJson(text))
          : text -> fromJson.apply(new JsonObject(text));
      bus.registerDefaultCodec(type, new RecordCodec<>("recserve." + type.getSimpleName(), t -> Buffer.buffer(encode(t, new StringBuilder(256)).toString()), decode));
    }
  }

  /** Identity inside the JVM; JSON text between nodes. */
  static final class RecordCodec<T> implements MessageCodec<T, T> {
    private final String name;
    private final Function<T, Buffer> encode;
    private final Function<String, T> decode;

    RecordCodec(String name, Function<T, Buffer> encode, Function<String, T> decode) {
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
      return decode.apply(buffer.getString(position + 4, position + 4 + length, StandardCharsets.UTF_8.name()));
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

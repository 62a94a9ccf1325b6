package io.recserve.contract;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How the message records travel. Inside one JVM a record is handed over as it is: it is immutable, so a consumer
 * may share it, and nothing is copied or encoded (a {@code JsonObject} would be deep-copied on every local delivery).
 * To another node it travels as the JSON documented in docs/event-bus.md (UTF-8 text after a 4-byte length), under
 * the codec name {@code recserve.<Record>}, which every Recserve node registers at start.
 */
public final class Codecs {
  private Codecs() {}

  /** A record's JSON: as a tree, and as text (written and read without a tree where that was worth it). */
  private record Shape(Function<Object, JsonObject> toJson, BiFunction<Object, StringBuilder, StringBuilder> write, Function<String, Object> read) {}

  private static final Map<Class<?>, Shape> SHAPES = new LinkedHashMap<>();

  static {
    text(EventBatch.class, EventBatch::toJson, EventBatch::encode, EventBatch::read);
    tree(UserEmbeddingRequest.class, UserEmbeddingRequest::toJson, UserEmbeddingRequest::fromJson);
    // what crosses per request between split embedding and ANN nodes: vectors and id lists as base64 text, no tree
    text(UserEmbeddingReply.class, UserEmbeddingReply::toJson, UserEmbeddingReply::encode, UserEmbeddingReply::read);
    text(NeighbourSearchRequest.class, NeighbourSearchRequest::toJson, NeighbourSearchRequest::encode, NeighbourSearchRequest::read);
    // the search replies: the recommendations cross as the text they are
    text(NeighbourSearchReply.class, NeighbourSearchReply::toJson, NeighbourSearchReply::encode, NeighbourSearchReply::read);
    tree(UserSearchRequest.class, UserSearchRequest::toJson, UserSearchRequest::fromJson);
    text(UserSearchReply.class, UserSearchReply::toJson, UserSearchReply::encode, UserSearchReply::read);
    tree(CacheGet.class, CacheGet::toJson, CacheGet::fromJson);
    tree(CacheEntry.class, CacheEntry::toJson, CacheEntry::fromJson);
    tree(SimilarRequest.class, SimilarRequest::toJson, SimilarRequest::fromJson);
    tree(FoldInRequest.class, FoldInRequest::toJson, FoldInRequest::fromJson);
    tree(PopularRequest.class, PopularRequest::toJson, PopularRequest::fromJson);
    tree(ExplainRequest.class, ExplainRequest::toJson, ExplainRequest::fromJson);
    tree(FeedbackRequest.class, FeedbackRequest::toJson, FeedbackRequest::fromJson);
    tree(UserChanged.class, UserChanged::toJson, UserChanged::fromJson);
    text(RelayBatch.class, RelayBatch::toJson, RelayBatch::encode, RelayBatch::read);
    text(RelayReply.class, RelayReply::toJson, RelayReply::encode, RelayReply::decode);
  }

  private static <T> void tree(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    text(type, toJson, (t, out) -> out.append(toJson.apply(t).encode()), text -> fromJson.apply(new JsonObject(text)));
  }

  @SuppressWarnings("unchecked")
  private static <T> void text(Class<T> type, Function<T, JsonObject> toJson, BiFunction<T, StringBuilder, StringBuilder> write, Function<String, T> read) {
    SHAPES.put(type, new Shape(body -> toJson.apply((T) body), (body, out) -> write.apply((T) body, out), read::apply));
  }

  private static Shape shape(Object body) {
    Shape shape = body == null ? null : SHAPES.get(body.getClass());
    if (shape == null) throw new IllegalArgumentException("no JSON shape for " + (body == null ? "null" : body.getClass().getName()));
    return shape;
  }

  /** A message body as JSON: a record of this package by its own shape, a {@code JsonObject} as it is. */
  public static JsonObject toJson(Object body) {
    if (body instanceof JsonObject json) return json;
    if (body instanceof RawJson raw) return new JsonObject(raw.text());
    return shape(body).toJson().apply(body);
  }

  /** A message body as JSON text, appended to {@code out}: the same JSON as {@link #toJson}. */
  public static StringBuilder encode(Object body, StringBuilder out) {
    if (body instanceof JsonObject json) return out.append(json.encode());
    if (body instanceof RawJson raw) return out.append(raw.text());
    return shape(body).write().apply(body, out);
  }

  /** Registers every record's codec on this Vert.x instance, once (later calls do nothing). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static synchronized void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    for (Map.Entry<Class<?>, Shape> entry : SHAPES.entrySet()) {
      Shape shape = entry.getValue();
      RecordCodec<Object> codec = new RecordCodec<>("recserve." + entry.getKey().getSimpleName(), shape.write(), shape.read());
      try {
        bus.registerDefaultCodec((Class) entry.getKey(), codec);
      } catch (IllegalStateException alreadyRegistered) {
        return;
      }
    }
  }

  /** Identity inside the JVM; JSON text between nodes. */
  static final class RecordCodec<T> implements MessageCodec<T, T> {
    private final String name;
    private final BiFunction<T, StringBuilder, StringBuilder> write;
    private final Function<String, T> decode;
    /** The length of the last text written: a batch's text is sized once instead of doubled a few times. */
    private volatile int lastLength = 256;

    RecordCodec(String name, BiFunction<T, StringBuilder, StringBuilder> write, Function<String, T> decode) {
      this.name = name;
      this.write = write;
      this.decode = decode;
    }

    /** The text's UTF-8 goes straight into the message's buffer, its length written in front once known. */
    @Override
    public void encodeToWire(Buffer buffer, T value) {
      String json = write.apply(value, new StringBuilder(lastLength + lastLength / 4)).toString();
      lastLength = Math.max(256, json.length());
      int at = buffer.length();
      buffer.appendInt(0).appendString(json);
      buffer.setInt(at, buffer.length() - at - 4);
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

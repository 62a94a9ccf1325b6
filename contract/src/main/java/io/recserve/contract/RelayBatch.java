package io.recserve.contract;

import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several requests for one address of another node, sent together to that node's {@link Addresses#RELAY}: the node
 * hands each body to its own copy of {@code address} ({@link Addresses#onNode}) and answers {@link RelayReply}, one
 * item per body in the same order. An HTTP node gathers the searches of one event-loop turn into one such message, so
 * a crossing between JVMs carries many requests. {@code timeout_ms} is how long the sender waits for the whole batch.
 * Only the request path's reads are relayed: {@link Addresses#RELAYED}.
 * <pre>{"address": "recserve.embedding.search", "timeout_ms": 500, "bodies": [{"user_id": 42, ...}, ...]}</pre>
 */
public record RelayBatch(String address, long timeoutMs, List<Object> bodies) {
  public JsonObject toJson() {
    JsonArray array = new JsonArray(new ArrayList<>(bodies.size()));
    for (Object body : bodies) array.add(Codecs.toJson(body));
    return new JsonObject().put("address", address).put("timeout_ms", timeoutMs).put("bodies", array);
  }

  /** The same JSON as {@link #toJson()}, each body written by {@link Codecs#encode}, with no tree for the batch. */
  public StringBuilder encode(StringBuilder out) {
    Shapes.quote(out.append("{\"address\":"), address).append(",\"timeout_ms\":").append(timeoutMs).append(",\"bodies\":[");
    for (int i = 0; i < bodies.size(); i++) Codecs.encode(bodies.get(i), i > 0 ? out.append(',') : out);
    return out.append("]}");
  }

  public static RelayBatch fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("bodies");
    if (array == null) throw new IllegalArgumentException("message field 'bodies' must be an array");
    List<Object> bodies = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) bodies.add(array.getJsonObject(i));
    return new RelayBatch(Shapes.requireString(json, "address"), json.getLong("timeout_ms", 0L), bodies);
  }

  /** How each relayed address's bodies are read from their text: as the records its verticle takes. */
  private static final Map<String, Shapes.BodyReader> READERS = Map.of(
      Addresses.ANN_SEARCH, NeighbourSearchRequest::read,
      Addresses.EMBEDDING_USER, (p, text) -> UserEmbeddingRequest.fromJson(new JsonObject(Shapes.raw(p, text))),
      Addresses.EMBEDDING_SEARCH, (p, text) -> UserSearchRequest.fromJson(new JsonObject(Shapes.raw(p, text))));

  private static final Shapes.BodyReader AS_JSON = (p, text) -> new JsonObject(Shapes.raw(p, text));

  /**
   * Reads the text in one pass, without a tree for the batch: each body becomes the record its address takes, so the
   * relay hands it to the verticle with no copy and no second reading (a {@code JsonObject} is deep-copied on local
   * delivery). A body that is JSON but not that record stays a {@code JsonObject}, for the verticle to refuse on its
   * own. Bodies before the address (another writer's order) are read as JSON.
   */
  static RelayBatch read(String text) {
    return Shapes.read(text, p -> {
      String address = null;
      long timeout = 0;
      List<Object> bodies = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "address" -> address = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "timeout_ms" -> timeout = value.isNumeric() ? p.getLongValue() : 0;
          case "bodies" -> {
            if (value != JsonToken.START_ARRAY) throw new IllegalArgumentException("message field 'bodies' must be an array");
            Shapes.BodyReader reader = address == null ? AS_JSON : READERS.getOrDefault(address, AS_JSON);
            bodies = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
              int start = (int) p.currentTokenLocation().getCharOffset();
              Object body;
              try {
                body = reader.read(p, text);
              } catch (RuntimeException notTheRecord) { // read to its end: kept as the JSON it is
                body = new JsonObject(text.substring(start, (int) p.currentTokenLocation().getCharOffset() + 1));
              }
              bodies.add(body);
            }
            if (p.currentToken() != JsonToken.END_ARRAY) throw new IllegalArgumentException("message field 'bodies' must hold objects");
          }
          default -> p.skipChildren();
        }
      }
      if (bodies == null) throw new IllegalArgumentException("message field 'bodies' must be an array");
      if (address == null) throw new IllegalArgumentException("message field 'address' must be a string");
      return new RelayBatch(address, timeout, bodies);
    });
  }

  /** A message body as sent: the batch itself (same JVM) or its JSON. */
  public static RelayBatch of(Object body) {
    return body instanceof RelayBatch b ? b : fromJson((JsonObject) body);
  }
}

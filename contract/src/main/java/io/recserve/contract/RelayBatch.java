package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

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

  /** A message body as sent: the batch itself (same JVM) or its JSON. */
  public static RelayBatch of(Object body) {
    return body instanceof RelayBatch b ? b : fromJson((JsonObject) body);
  }
}

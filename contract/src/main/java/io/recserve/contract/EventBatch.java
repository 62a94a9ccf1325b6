package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Recommendation events travelling together: an HTTP node's batch sent to {@link Addresses#ANALYTICS_INGEST}, and
 * the stored events the analytics node publishes on {@link Addresses#ANALYTICS_STREAM}.
 * <pre>{"events": [{"request_id": "...", ...}, ...]}</pre>
 */
public record EventBatch(List<RecommendationEvent> events) {
  public JsonObject toJson() {
    JsonArray array = new JsonArray(new ArrayList<>(events.size()));
    for (RecommendationEvent e : events) array.add(e.toJson());
    return new JsonObject().put("events", array);
  }

  /** The JSON text of {@link #toJson()}, written without building the tree. */
  public String encode() {
    StringBuilder out = new StringBuilder(events.size() * 400 + 16).append("{\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) out.append(',');
      events.get(i).encode(out);
    }
    return out.append("]}").toString();
  }

  public static EventBatch fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("events");
    if (array == null) throw new IllegalArgumentException("message field 'events' must be an array");
    List<RecommendationEvent> events = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) events.add(RecommendationEvent.fromJson(array.getJsonObject(i)));
    return new EventBatch(events);
  }

  /** A message body as sent: the batch itself (same JVM) or its JSON (another node, or an outside client). */
  public static EventBatch of(Object body) {
    return body instanceof EventBatch b ? b : fromJson((JsonObject) body);
  }
}

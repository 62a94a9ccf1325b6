package io.recserve.contract;

import com.fasterxml.jackson.core.JsonToken;
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

  /** The JSON text of {@link #toJson()}, written into {@code out} without building the tree. */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) out.append(',');
      events.get(i).encode(out);
    }
    return out.append("]}");
  }

  public static EventBatch fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("events");
    if (array == null) throw new IllegalArgumentException("message field 'events' must be an array");
    List<RecommendationEvent> events = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) events.add(RecommendationEvent.fromJson(array.getJsonObject(i)));
    return new EventBatch(events);
  }

  /** Reads the text {@link #encode} writes, without a JSON tree: an HTTP node's batch as another node receives it. */
  static EventBatch read(String text) {
    return Shapes.read(text, p -> {
      List<RecommendationEvent> events = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!field.equals("events")) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) break;
        events = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) events.add(RecommendationEvent.read(p));
      }
      if (events == null) throw new IllegalArgumentException("message field 'events' must be an array");
      return new EventBatch(events);
    });
  }

  /** A message body as sent: the batch itself (same JVM) or its JSON (another node, or an outside client). */
  public static EventBatch of(Object body) {
    return body instanceof EventBatch b ? b : fromJson((JsonObject) body);
  }
}

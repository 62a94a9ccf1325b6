package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
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

  /** Reads the text {@link #encode()} writes, without a JSON tree: an HTTP node's batch as another node receives it. */
  static EventBatch read(String text) {
    try (JsonParser p = Shapes.parser(text)) {
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
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A message body as sent: the batch itself (same JVM) or its JSON (another node, or an outside client). */
  public static EventBatch of(Object body) {
    return body instanceof EventBatch b ? b : fromJson((JsonObject) body);
  }
}

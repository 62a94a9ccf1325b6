package io.recserve.contract;

import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer to {@link RelayBatch}: for each body, in order, the reply its address gave, or how it failed (the
 * failure type as Vert.x names it: {@code RECIPIENT_FAILURE} with the verticle's {@link FailureCodes} code,
 * {@code TIMEOUT} or {@code NO_HANDLERS}).
 * <pre>{"replies": [{"body": {...}}, {"failure": "RECIPIENT_FAILURE", "code": 503, "message": "..."}, ...]}</pre>
 */
public record RelayReply(List<Item> replies) {
  /** One reply: a {@code body}, or a {@code failure} with its code and message. */
  public record Item(Object body, ReplyFailure failure, int code, String message) {
    public static Item of(Object body) {
      return new Item(body, null, 0, null);
    }

    public static Item failed(ReplyFailure failure, int code, String message) {
      return new Item(null, failure, code, message == null ? "" : message);
    }

    JsonObject toJson() {
      if (failure == null) return new JsonObject().put("body", Codecs.toJson(body));
      return new JsonObject().put("failure", failure.name()).put("code", code).put("message", message);
    }

    static Item fromJson(JsonObject json) {
      String failure = json.getString("failure");
      if (failure == null) return of(json.getJsonObject("body"));
      return failed(ReplyFailure.valueOf(failure), json.getInteger("code", 0), json.getString("message"));
    }
  }

  public JsonObject toJson() {
    JsonArray array = new JsonArray(new ArrayList<>(replies.size()));
    for (Item item : replies) array.add(item.toJson());
    return new JsonObject().put("replies", array);
  }

  /** The same JSON as {@link #toJson()}, each body written by {@link Codecs#encode} (the search replies without a tree). */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"replies\":[");
    for (int i = 0; i < replies.size(); i++) {
      if (i > 0) out.append(',');
      Item item = replies.get(i);
      if (item.failure() == null) Codecs.encode(item.body(), out.append("{\"body\":")).append('}');
      else out.append(item.toJson().encode());
    }
    return out.append("]}");
  }

  /** Reads the text without a JSON tree: each body stays text ({@link RawJson}) for the record that reads it. */
  public static RelayReply decode(String text) {
    return Shapes.read(text, p -> {
      List<Item> replies = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!field.equals("replies") || value != JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
          Object body = null;
          String failure = null, message = null;
          int code = 0;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken token = p.nextToken();
            switch (name) {
              case "body" -> body = token == JsonToken.START_OBJECT ? new RawJson(Shapes.raw(p, text)) : null;
              case "failure" -> failure = p.getText();
              case "code" -> code = p.getIntValue();
              case "message" -> message = p.getText();
              default -> p.skipChildren();
            }
          }
          replies.add(failure == null ? Item.of(body) : Item.failed(ReplyFailure.valueOf(failure), code, message));
        }
      }
      return new RelayReply(replies);
    });
  }

  public static RelayReply fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("replies");
    if (array == null) throw new IllegalArgumentException("message field 'replies' must be an array");
    List<Item> replies = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) replies.add(Item.fromJson(array.getJsonObject(i)));
    return new RelayReply(replies);
  }

  /** A message body as sent: the reply itself (same JVM, or read by its codec from another node) or its JSON. */
  public static RelayReply of(Object body) {
    return body instanceof RelayReply r ? r : fromJson((JsonObject) body);
  }
}

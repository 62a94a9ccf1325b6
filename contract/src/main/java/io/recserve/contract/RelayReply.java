package io.recserve.contract;

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

  public static RelayReply fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("replies");
    if (array == null) throw new IllegalArgumentException("message field 'replies' must be an array");
    List<Item> replies = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) replies.add(Item.fromJson(array.getJsonObject(i)));
    return new RelayReply(replies);
  }

  /** A message body as sent: the reply itself (same JVM) or its JSON. */
  public static RelayReply of(Object body) {
    return body instanceof RelayReply r ? r : fromJson((JsonObject) body);
  }
}

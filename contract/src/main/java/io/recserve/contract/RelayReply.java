package io.recserve.contract;

import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@link RelayBatch}: for each body, in order, the reply its address gave, or how it failed (the
 * failure type as Vert.x names it: {@code RECIPIENT_FAILURE} with the verticle's {@link FailureCodes} code,
 * {@code TIMEOUT} or {@code NO_HANDLERS}).
 * <pre>{"replies": [{"body": {...}}, {"failure": "RECIPIENT_FAILURE", "code": 503, "message": "..."}, ...]}</pre>
 * From another node it stays the text it came in until its sender, which knows the address asked, reads it with
 * {@link #replies(String)}: each body then becomes the record that address replies with, in the same pass.
 */
public final class RelayReply {
  /** How the replies of each relayed address are read: as the records its verticle replies with. */
  private static final Map<String, Shapes.BodyReader> READERS = Map.of(
      Addresses.ANN_SEARCH, NeighbourSearchReply::read,
      Addresses.EMBEDDING_USER, (p, text) -> UserEmbeddingReply.read(p),
      Addresses.EMBEDDING_SEARCH, UserSearchReply::read);

  /** Each body as its text, for the record that reads it in its {@code of}. */
  private static final Shapes.BodyReader AS_TEXT = (p, text) -> new RawJson(Shapes.raw(p, text));

  private final String text;
  private List<Item> replies;

  public RelayReply(List<Item> replies) {
    this.replies = replies;
    this.text = null;
  }

  private RelayReply(String text) {
    this.text = text;
  }

  /** The replies; from another node, each body as its text ({@link RawJson}). */
  public List<Item> replies() {
    if (replies == null) replies = read(text, AS_TEXT);
    return replies;
  }

  /**
   * The replies to requests sent to {@code address}; from another node, each body read as the record that address
   * replies with, in one pass over the text. (Each body used to be read once to find its end, then again by its
   * record: the search replies' recommendations were tokenized twice on the HTTP node.) If a body does not read as that
   * record, every body is given as its text instead, for the record's own {@code of} to refuse, as before.
   */
  public List<Item> replies(String address) {
    if (replies != null) return replies;
    Shapes.BodyReader reader = READERS.get(address);
    if (reader == null) return replies();
    try {
      replies = read(text, reader);
    } catch (RuntimeException notTheRecord) {
      replies = read(text, AS_TEXT);
    }
    return replies;
  }

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
    List<Item> replies = replies();
    JsonArray array = new JsonArray(new ArrayList<>(replies.size()));
    for (Item item : replies) array.add(item.toJson());
    return new JsonObject().put("replies", array);
  }

  /** The same JSON as {@link #toJson()}, each body written by {@link Codecs#encode} (the search replies without a tree). */
  public StringBuilder encode(StringBuilder out) {
    if (replies == null) return out.append(text);
    out.append("{\"replies\":[");
    for (int i = 0; i < replies.size(); i++) {
      if (i > 0) out.append(',');
      Item item = replies.get(i);
      if (item.failure() == null) Codecs.encode(item.body(), out.append("{\"body\":")).append('}');
      else out.append(item.toJson().encode());
    }
    return out.append("]}");
  }

  /** The text as it came, read when its replies are asked for ({@link #replies(String)}). */
  public static RelayReply decode(String text) {
    return new RelayReply(text);
  }

  /** Reads the text without a JSON tree, each body by {@code reader}. */
  private static List<Item> read(String text, Shapes.BodyReader reader) {
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
              case "body" -> body = token == JsonToken.START_OBJECT ? reader.read(p, text) : null;
              case "failure" -> failure = p.getText();
              case "code" -> code = p.getIntValue();
              case "message" -> message = p.getText();
              default -> p.skipChildren();
            }
          }
          replies.add(failure == null ? Item.of(body) : Item.failed(ReplyFailure.valueOf(failure), code, message));
        }
      }
      return replies;
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

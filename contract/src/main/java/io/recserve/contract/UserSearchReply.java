package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * The answer to {@link UserSearchRequest}: whether the model knows the user, the user's feedback generation (as in
 * {@link UserEmbeddingReply}), and, for a known user, the ANN's {@link NeighbourSearchReply} as it came.
 * <pre>{"user_id": 42, "model_version": 3, "model_id": "uuid", "found": true, "generation": 7,
 *  "search": {"model_version": 3, "node": "1234@host", "recommendations": [...], "movie_ids": "...", "scores": "..."}}</pre>
 */
public record UserSearchReply(int userId, ModelRef model, boolean found, long generation, NeighbourSearchReply search) {
  public static UserSearchReply unknown(int userId, ModelRef model) {
    return new UserSearchReply(userId, model, false, 0, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("user_id", userId).put("found", found);
    if (generation > 0) json.put("generation", generation);
    if (search != null) json.put("search", search.toJson());
    return ModelRef.put(json, "model", model);
  }

  /** The same JSON as {@link #toJson()}, written without a tree ({@link NeighbourSearchReply#encode}). */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"user_id\":").append(userId).append(",\"found\":").append(found);
    if (generation > 0) out.append(",\"generation\":").append(generation);
    Shapes.model(out, "model", model);
    if (search != null) search.encode(out.append(",\"search\":"));
    return out.append('}');
  }

  /** A message body as sent: the record itself (same JVM), its JSON, or its JSON text (a relayed reply). */
  public static UserSearchReply of(Object body) {
    if (body instanceof UserSearchReply r) return r;
    if (body instanceof RawJson raw) return read(raw.text());
    return fromJson((JsonObject) body);
  }

  /** Reads the text without a JSON tree, the search's recommendations kept as text. */
  static UserSearchReply read(String text) {
    return Shapes.read(text, p -> read(p, text));
  }

  /** Reads the object the parser is at, the search's recommendations kept as their text. */
  static UserSearchReply read(JsonParser p, String text) throws IOException {
    int userId = 0;
    long version = 0, generation = 0;
    String id = null;
    boolean found = false;
    NeighbourSearchReply search = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "user_id" -> userId = p.getIntValue();
        case "found" -> found = value == JsonToken.VALUE_TRUE;
        case "generation" -> generation = p.getLongValue();
        case "model_version" -> version = p.getLongValue();
        case "model_id" -> id = p.getText();
        case "search" -> search = value == JsonToken.START_OBJECT ? NeighbourSearchReply.read(p, text) : null;
        default -> p.skipChildren();
      }
    }
    return new UserSearchReply(userId, id == null ? null : new ModelRef(version, id), found, generation, search);
  }

  public static UserSearchReply fromJson(JsonObject json) {
    JsonObject search = json.getJsonObject("search");
    return new UserSearchReply(Shapes.requireInt(json, "user_id"), ModelRef.get(json, "model"), json.getBoolean("found", false),
        json.getLong("generation", 0L), search == null ? null : NeighbourSearchReply.fromJson(search));
  }
}

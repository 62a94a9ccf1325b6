package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * A user's vector and the movies the user rated (to exclude from recommendations), in model version {@code model}.
 * {@code found} is false, with an empty vector, for a user the model does not know (and who sent no feedback).
 * {@code generation} is the sequence number of the user's latest live feedback in it (absent: none): an answer
 * computed from an older generation is never cached after that feedback.
 * {@code vector} is base64 of little-endian float32, {@code rated} base64 of little-endian int32 (see {@link Shapes}).
 * <pre>{"user_id": 42, "model_version": 3, "model_id": "uuid", "found": true, "vector": "zcxMPc3MzD0=", "rated": "AQAAADIAAAA="}</pre>
 */
public record UserEmbeddingReply(int userId, ModelRef model, boolean found, float[] vector, int[] rated, long generation) {
  public UserEmbeddingReply(int userId, ModelRef model, boolean found, float[] vector, int[] rated) {
    this(userId, model, found, vector, rated, 0);
  }

  public static UserEmbeddingReply unknown(int userId, ModelRef model) {
    return new UserEmbeddingReply(userId, model, false, new float[0], new int[0], 0);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("user_id", userId).put("found", found)
        .put("vector", Shapes.packFloats(vector)).put("rated", Shapes.packInts(rated));
    if (generation > 0) json.put("generation", generation);
    return ModelRef.put(json, "model", model);
  }

  /** The same JSON as {@link #toJson()}, written without a tree. */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"user_id\":").append(userId).append(",\"found\":").append(found)
        .append(",\"vector\":\"").append(Shapes.packFloats(vector)).append("\",\"rated\":\"").append(Shapes.packInts(rated)).append('"');
    if (generation > 0) out.append(",\"generation\":").append(generation);
    return Shapes.model(out, "model", model).append('}');
  }

  /** A message body as sent: the record itself (same JVM), its JSON, or its JSON text (a relayed reply). */
  public static UserEmbeddingReply of(Object body) {
    if (body instanceof UserEmbeddingReply r) return r;
    if (body instanceof RawJson raw) return read(raw.text());
    return fromJson((JsonObject) body);
  }

  /** Reads the text without a JSON tree, with the checks of {@link #fromJson}. */
  static UserEmbeddingReply read(String text) {
    return Shapes.read(text, UserEmbeddingReply::read);
  }

  /** Reads the object the parser is at, with the checks of {@link #fromJson}. */
  static UserEmbeddingReply read(JsonParser p) throws IOException {
    Integer userId = null;
    long version = 0, generation = 0;
    String id = null, vector = null, rated = null;
    boolean found = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "user_id" -> userId = value.isNumeric() ? p.getIntValue() : null;
        case "found" -> found = value == JsonToken.VALUE_TRUE;
        case "vector" -> vector = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "rated" -> rated = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "generation" -> generation = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
        case "model_version" -> version = value.isNumeric() ? p.getLongValue() : 0;
        case "model_id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
        default -> p.skipChildren();
      }
    }
    if (userId == null) throw new IllegalArgumentException("message field 'user_id' must be an integer");
    return new UserEmbeddingReply(userId, ModelRef.of(version, id), found, Shapes.unpackFloats(vector),
        Shapes.unpackInts(rated), generation);
  }

  public static UserEmbeddingReply fromJson(JsonObject json) {
    return new UserEmbeddingReply(Shapes.requireInt(json, "user_id"), ModelRef.get(json, "model"),
        json.getBoolean("found", false), Shapes.unpackFloats(json.getString("vector")), Shapes.unpackInts(json.getString("rated")),
        json.getLong("generation", 0L));
  }
}

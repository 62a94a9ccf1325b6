package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * Asks the ANN verticle for the {@code k} movies with the highest model score for a user vector, leaving out
 * {@code exclude}. {@code model} names the version the vector came from; the search runs against that version's
 * index, or fails with {@link FailureCodes#MODEL_NOT_LOADED}, so a vector never meets another version's movies.
 * {@code vector} and {@code exclude} are packed as in {@link UserEmbeddingReply}.
 * {@code filters} (optional, see {@link Filters}) narrow the movies searched.
 * <pre>{"vector": "zcxMPc3MzD0=", "k": 10, "exclude": "AQAAADIAAAA=", "model_version": 3, "model_id": "uuid", "filters": {...}}</pre>
 */
public record NeighbourSearchRequest(float[] vector, int k, int[] exclude, ModelRef model, Filters filters) {
  public NeighbourSearchRequest(float[] vector, int k, int[] exclude, ModelRef model) {
    this(vector, k, exclude, model, Filters.NONE);
  }

  public NeighbourSearchRequest {
    if (filters == null) filters = Filters.NONE;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("vector", Shapes.packFloats(vector))
        .put("k", k)
        .put("exclude", Shapes.packInts(exclude));
    if (!filters.none()) json.put("filters", filters.toJson());
    return ModelRef.put(json, "model", model);
  }

  /** The same JSON as {@link #toJson()}, written without a tree (the filters, rare, as their own tree). */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"vector\":\"").append(Shapes.packFloats(vector)).append("\",\"k\":").append(k)
        .append(",\"exclude\":\"").append(Shapes.packInts(exclude)).append('"');
    if (!filters.none()) out.append(",\"filters\":").append(filters.toJson().encode());
    return Shapes.model(out, "model", model).append('}');
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static NeighbourSearchRequest of(Object body) {
    return body instanceof NeighbourSearchRequest r ? r : fromJson((JsonObject) body);
  }

  /** Reads the text without a JSON tree (but for the filters), with the checks of {@link #fromJson}. */
  static NeighbourSearchRequest read(String text) {
    return Shapes.read(text, p -> read(p, text));
  }

  /**
   * Reads the object the parser is at ({@code text} is what it reads). A body that is JSON but not this record fails
   * with the parser at the body's end, so that a reader of several bodies can go on ({@link RelayBatch#read}).
   */
  static NeighbourSearchRequest read(JsonParser p, String text) throws IOException {
    Integer k = null;
    long version = 0;
    String id = null, vector = null, exclude = null, filters = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "k" -> k = value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT ? p.getIntValue() : null;
        case "vector" -> vector = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "exclude" -> exclude = value == JsonToken.VALUE_STRING ? p.getText() : null;
        case "filters" -> filters = value == JsonToken.START_OBJECT ? Shapes.raw(p, text) : null;
        case "model_version" -> version = value.isNumeric() ? p.getLongValue() : 0;
        case "model_id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
        default -> p.skipChildren();
      }
    }
    if (k == null) throw new IllegalArgumentException("message field 'k' must be an integer");
    return new NeighbourSearchRequest(Shapes.unpackFloats(vector), k, Shapes.unpackInts(exclude), ModelRef.of(version, id),
        filters == null ? Filters.NONE : Filters.fromJson(new JsonObject(filters)));
  }

  public static NeighbourSearchRequest fromJson(JsonObject json) {
    return new NeighbourSearchRequest(
        Shapes.unpackFloats(json.getString("vector")),
        Shapes.requireInt(json, "k"),
        Shapes.unpackInts(json.getString("exclude")),
        ModelRef.get(json, "model"),
        Filters.fromJson(json.getJsonObject("filters")));
  }
}

package io.recserve.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * The movies found, best first: as the JSON array of {@link Recommendation} objects the HTTP answer holds (built from
 * text the index encoded once per movie, so no JSON tree is made per answer), and as parallel id and score arrays
 * for the analytics event. Also the model version that scored them, and the node that searched.
 * <pre>{"model_version": 3, "model_id": "uuid", "node": "1234@host", "recommendations": [{"movie_id": 1, ...}],
 *  "movie_ids": "AQAAAA==", "scores": "zcxMPw=="}</pre>
 */
public record NeighbourSearchReply(ModelRef model, String node, String recommendations, int[] movieIds, float[] scores) {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("node", node).put("recommendations", new JsonArray(recommendations))
        .put("movie_ids", Shapes.packInts(movieIds)).put("scores", Shapes.packFloats(scores));
    return ModelRef.put(json, "model", model);
  }

  /**
   * The same JSON as {@link #toJson()}, written without a tree: the recommendations go as the text they are, where
   * {@link #toJson()} parses them.
   */
  public StringBuilder encode(StringBuilder out) {
    out.append("{\"node\":");
    if (node == null) out.append("null");
    else Shapes.quote(out, node);
    Shapes.model(out, "model", model).append(",\"recommendations\":").append(recommendations);
    return out.append(",\"movie_ids\":\"").append(Shapes.packInts(movieIds)).append("\",\"scores\":\"").append(Shapes.packFloats(scores)).append("\"}");
  }

  /** A message body as sent: the record itself (same JVM), its JSON, or its JSON text (a relayed reply). */
  public static NeighbourSearchReply of(Object body) {
    if (body instanceof NeighbourSearchReply r) return r;
    if (body instanceof RawJson raw) return read(raw.text());
    return fromJson((JsonObject) body);
  }

  /** Reads the text without a JSON tree, the recommendations kept as text. */
  static NeighbourSearchReply read(String text) {
    return Shapes.read(text, p -> read(p, text));
  }

  /** Reads the object the parser is at, keeping the recommendations as their text (no tree). */
  static NeighbourSearchReply read(JsonParser p, String text) throws IOException {
    long version = 0;
    String id = null, node = null, recommendations = "[]", movieIds = null, scores = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "model_version" -> version = p.getLongValue();
        case "model_id" -> id = p.getText();
        case "node" -> node = value == JsonToken.VALUE_NULL ? null : p.getText();
        case "recommendations" -> recommendations = Shapes.raw(p, text);
        case "movie_ids" -> movieIds = p.getText();
        case "scores" -> scores = p.getText();
        default -> p.skipChildren();
      }
    }
    return new NeighbourSearchReply(id == null ? null : new ModelRef(version, id), node, recommendations, Shapes.unpackInts(movieIds),
        Shapes.unpackFloats(scores));
  }

  public static NeighbourSearchReply fromJson(JsonObject json) {
    return new NeighbourSearchReply(ModelRef.get(json, "model"), json.getString("node"), json.getJsonArray("recommendations").encode(),
        Shapes.unpackInts(json.getString("movie_ids")), Shapes.unpackFloats(json.getString("scores")));
  }
}

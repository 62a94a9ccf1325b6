package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static NeighbourSearchReply of(Object body) {
    return body instanceof NeighbourSearchReply r ? r : fromJson((JsonObject) body);
  }

  public static NeighbourSearchReply fromJson(JsonObject json) {
    return new NeighbourSearchReply(ModelRef.get(json, "model"), json.getString("node"), json.getJsonArray("recommendations").encode(),
        Shapes.unpackInts(json.getString("movie_ids")), Shapes.unpackFloats(json.getString("scores")));
  }
}

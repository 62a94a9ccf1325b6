package io.recserve.contract;

import io.vertx.core.json.JsonObject;

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

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static NeighbourSearchRequest of(Object body) {
    return body instanceof NeighbourSearchRequest r ? r : fromJson((JsonObject) body);
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

package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks an embedding node for the {@code k} most rated movies of model version {@code model}, leaving out
 * {@code exclude} and what {@code filters} refuse (the fallback for users the model does not know). Answered with a
 * {@link NeighbourSearchReply}; scores are rating counts over the most rated movie's count, in [0, 1].
 * <pre>{"k": 10, "exclude": "AQAAAA==", "model_version": 3, "model_id": "uuid", "filters": {...}}</pre>
 */
public record PopularRequest(int k, int[] exclude, ModelRef model, Filters filters) {
  public PopularRequest {
    if (filters == null) filters = Filters.NONE;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("k", k).put("exclude", Shapes.packInts(exclude));
    if (!filters.none()) json.put("filters", filters.toJson());
    return ModelRef.put(json, "model", model);
  }

  public static PopularRequest of(Object body) {
    return body instanceof PopularRequest r ? r : fromJson((JsonObject) body);
  }

  public static PopularRequest fromJson(JsonObject json) {
    return new PopularRequest(Shapes.requireInt(json, "k"), Shapes.unpackInts(json.getString("exclude")), ModelRef.get(json, "model"),
        Filters.fromJson(json.getJsonObject("filters")));
  }
}

package io.recserve.http;

import io.recserve.contract.ModelRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a recommendation request is answered with, and where it came from: the recommendations as JSON text (encoded
 * once, cached as text, spliced into each response), the (movie_id, score) items the analytics event carries, the
 * model version that scored them (null when no model knew the user and nothing was scored), and whether the cache
 * answered.
 */
record Answer(String recommendations, JsonArray items, ModelRef model, boolean cacheHit) {
  static final Answer EMPTY = new Answer("[]", new JsonArray(), null, false);

  static Answer of(JsonArray recommendations, ModelRef model) {
    JsonArray items = new JsonArray(new java.util.ArrayList<>(recommendations.size()));
    for (int i = 0; i < recommendations.size(); i++) {
      JsonObject r = recommendations.getJsonObject(i);
      items.add(new JsonObject().put("movie_id", r.getValue("movie_id")).put("score", r.getValue("score")));
    }
    return new Answer(recommendations.encode(), items, model, false);
  }

  static Answer empty(ModelRef model) {
    return new Answer("[]", new JsonArray(), model, false);
  }

  /** The cached form: {"model_version": 3, "model_id": "...", "recommendations": "[...]", "items": [...]}. */
  JsonObject toCache() {
    return ModelRef.put(new JsonObject().put("recommendations", recommendations).put("items", items), "model", model);
  }

  static Answer fromCache(JsonObject value) {
    return new Answer(value.getString("recommendations"), value.getJsonArray("items"), ModelRef.get(value, "model"), true);
  }
}

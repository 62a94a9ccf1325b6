package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Model version {@code model_version} became current in the store: {@code {"model_version": 4}}. */
public record ModelPublished(long modelVersion) {
  public JsonObject toJson() {
    return new JsonObject().put("model_version", modelVersion);
  }

  public static ModelPublished fromJson(JsonObject json) {
    return new ModelPublished(json.getLong("model_version"));
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** A verticle now serves model version {@code model_version}: {@code {"role": "embedding", "node": "host:pid", "model_version": 3}}. */
public record ModelActivated(String role, String node, long modelVersion) {
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("node", node).put("model_version", modelVersion);
  }

  public static ModelActivated fromJson(JsonObject json) {
    return new ModelActivated(json.getString("role"), json.getString("node"), json.getLong("model_version"));
  }
}

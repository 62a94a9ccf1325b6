package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A verticle serves model version {@code model_version} and still holds {@code previous_version} (0 if none) for
 * requests already under way. Published when a version is activated and again every poll interval as a heartbeat:
 * {@code {"role": "ann", "node": "1234@host", "model_version": 4, "previous_version": 3}}.
 */
public record ModelActivated(String role, String node, long modelVersion, long previousVersion) {
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("node", node).put("model_version", modelVersion).put("previous_version", previousVersion);
  }

  public static ModelActivated fromJson(JsonObject json) {
    return new ModelActivated(json.getString("role"), json.getString("node"), json.getLong("model_version"),
        json.getLong("previous_version", 0L));
  }
}

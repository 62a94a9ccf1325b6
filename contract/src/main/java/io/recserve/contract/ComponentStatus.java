package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A verticle's readiness, the reply on {@link Addresses#status(String)}.
 * <pre>{"role": "ann", "node": "host:pid", "ready": true, "model_version": 3, "details": {...}}</pre>
 */
public record ComponentStatus(String role, String node, boolean ready, long modelVersion, JsonObject details) {
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("node", node).put("ready", ready)
        .put("model_version", modelVersion).put("details", details == null ? new JsonObject() : details);
  }

  public static ComponentStatus fromJson(JsonObject json) {
    return new ComponentStatus(json.getString("role"), json.getString("node"), json.getBoolean("ready", false),
        json.getLong("model_version", 0L), json.getJsonObject("details", new JsonObject()));
  }
}

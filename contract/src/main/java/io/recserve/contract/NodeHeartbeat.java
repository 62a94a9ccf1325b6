package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * What a node holds, published on {@link Addresses#HEARTBEAT} every poll interval (and at once when it changes):
 * its role, its node id (which also names its own addresses, see {@link Addresses#onNode}), the model version it
 * serves, the previous one it still holds for requests under way, the one it is loading, and whether it takes
 * requests yet. HTTP nodes send one too (no versions), so that a change can be announced to each of them.
 * {@code error}, when present, says why the node could not load the current version (a damaged file, say): the
 * node keeps running, and readiness shows the reason.
 * <pre>{"role": "ann", "node": "1234@host-3fa2", "accepting": true, "model_version": 4, "model_id": "uuid",
 *  "previous_version": 3, "previous_id": "uuid", "loading_version": 5, "loading_id": "uuid", "error": "..."}</pre>
 */
public record NodeHeartbeat(String role, String node, boolean accepting, ModelRef current, ModelRef previous, ModelRef loading, String error) {
  public NodeHeartbeat(String role, String node, boolean accepting, ModelRef current, ModelRef previous, ModelRef loading) {
    this(role, node, accepting, current, previous, loading, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("role", role).put("node", node).put("accepting", accepting);
    if (error != null) json.put("error", error);
    ModelRef.put(json, "model", current);
    ModelRef.put(json, "previous", previous);
    return ModelRef.put(json, "loading", loading);
  }

  /** A message body as sent: the record itself (same JVM) or its JSON. */
  public static NodeHeartbeat of(Object body) {
    return body instanceof NodeHeartbeat r ? r : fromJson((JsonObject) body);
  }

  public static NodeHeartbeat fromJson(JsonObject json) {
    return new NodeHeartbeat(Shapes.requireString(json, "role"), Shapes.requireString(json, "node"), json.getBoolean("accepting", true),
        ModelRef.get(json, "model"), ModelRef.get(json, "previous"), ModelRef.get(json, "loading"), json.getString("error"));
  }

  /** True when this node can answer for {@code model}: it serves it now or still holds it. */
  public boolean holds(ModelRef model) {
    return model != null && (model.sameAs(current) || model.sameAs(previous));
  }
}

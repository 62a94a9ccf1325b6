package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.ModelRef;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Readiness means "can answer {@code /recommend}": a model version is held by an embedding node and by every ANN
 * node. That is the only check that can turn readiness DOWN, besides what the node still waits for at start
 * ({@link StartupStatus}: PostgreSQL, before the other verticles are deployed). The cache and analytics are optional
 * to serving: when they fail, their checks stay UP with {@code "data": {"state": "degraded", "since": ...}}, so an
 * orchestrator does not pull every replica at the first cache blip, while the details stay visible.
 */
final class Readiness {
  private final Vertx vertx;
  private final NodeDirectory directory;
  private final Bus bus;
  private final boolean cacheEnabled;
  private final Map<String, Instant> degradedSince = new HashMap<>();

  private final EventOutbox outbox;

  Readiness(Vertx vertx, NodeDirectory directory, Bus bus, boolean cacheEnabled, EventOutbox outbox) {
    this.vertx = vertx;
    this.outbox = outbox;
    this.directory = directory;
    this.bus = bus;
    this.cacheEnabled = cacheEnabled;
  }

  /** The checks, with node names and versions in their data (for the management listener). */
  HealthChecks checks() {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("model", promise -> {
      ModelRef servable = directory.servable();
      JsonArray nodes = directory.describe();
      JsonObject data = ModelRef.put(new JsonObject(), "serving", servable).put("nodes", nodes);
      if (servable != null) {
        promise.complete(Status.OK(data));
        return;
      }
      StringBuilder reason = new StringBuilder("no model version is held by an embedding node and every ANN node yet");
      for (Object n : nodes) { // a node that cannot load the current version says why (a damaged file, say)
        JsonObject node = (JsonObject) n;
        if (node.getString("error") != null) {
          reason.append("; ").append(node.getString("role")).append(" node ").append(node.getString("node"))
              .append(" cannot load the current version: ").append(node.getString("error"));
        }
      }
      promise.complete(Status.KO(data.put("reason", reason.toString())));
    });
    for (String name : StartupStatus.names(vertx)) checks.register(name, promise -> promise.complete(StartupStatus.status(vertx, name)));
    if (cacheEnabled) checks.register("cache", bus.timeoutMillis(), promise -> optional("cache", promise));
    checks.register("analytics", bus.timeoutMillis(), promise -> optional("analytics", promise));
    return checks;
  }

  private void optional(String role, io.vertx.core.Promise<Status> promise) {
    bus.<JsonObject>request(Addresses.status(role), new JsonObject()).onComplete(ar -> {
      JsonObject data;
      boolean healthy;
      if (ar.succeeded()) {
        ComponentStatus s = ComponentStatus.fromJson(ar.result().body());
        healthy = s.ready();
        data = s.details().copy();
      } else {
        healthy = false;
        data = new JsonObject().put("reason", ErrorMapping.toApiError(ar.cause(), bus.timeoutMillis(), "readiness").getMessage());
      }
      if (role.equals("analytics") && outbox != null) {
        data.put("outbox", new JsonObject().put("waiting", outbox.held()).put("dropped", outbox.dropped()));
      }
      if (healthy) {
        degradedSince.remove(role);
        data.put("state", "ok");
      } else {
        data.put("state", "degraded").put("since", degradedSince.computeIfAbsent(role, r -> Instant.now()).toString());
      }
      promise.complete(Status.OK(data));
    });
  }
}

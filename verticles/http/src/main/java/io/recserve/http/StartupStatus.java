package io.recserve.http;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.healthchecks.Status;
import java.util.Set;

/**
 * What a node still waits for at start (its store, before the other verticles are deployed), for readiness to show.
 * The launcher marks a check waiting, with the reason, before the HTTP verticle starts, and done once the wait is
 * over; {@link Readiness} registers one check per name it finds here when it starts, DOWN while waiting. One JVM: a
 * local map, read per {@code /ready} call.
 */
public final class StartupStatus {
  private static final String MAP = "recserve.startup";

  private StartupStatus() {}

  /** The check {@code name} is DOWN, {@code reason} saying what it waits for; {@code details} go into its data. */
  public static void waiting(Vertx vertx, String name, String reason, JsonObject details) {
    map(vertx).put(name, details.copy().put("state", "waiting").put("reason", reason));
  }

  /** The check {@code name} is UP from now on, with {@code details} in its data. */
  public static void done(Vertx vertx, String name, JsonObject details) {
    map(vertx).put(name, details.copy().put("state", "ok"));
  }

  static Set<String> names(Vertx vertx) {
    return map(vertx).keySet();
  }

  static Status status(Vertx vertx, String name) {
    JsonObject data = map(vertx).get(name);
    if (data == null) return Status.OK();
    return "ok".equals(data.getString("state")) ? Status.OK(data) : Status.KO(data);
  }

  private static LocalMap<String, JsonObject> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}

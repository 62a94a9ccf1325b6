package io.recserve.http;

import io.recserve.contract.ModelActivated;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Which model version requests should use, from the heartbeats of the embedding and ANN nodes. Each ANN node holds
 * its current and its previous version; the version served is one that every live ANN node can search, preferring
 * the one most of them have as current. So while a new version spreads over the nodes, requests keep using the old
 * one, and switch once every ANN node has the new index: no request meets a node without its version.
 */
final class ServingVersions {
  private record Heard(String role, String node, long current, long previous, long atMillis) {}

  private final Map<String, Heard> nodes = new HashMap<>();
  private final long staleMillis;
  private long servable;

  ServingVersions(long pollMillis) {
    this.staleMillis = 3 * pollMillis + 1000;
  }

  /** A heartbeat: the version to serve is worked out here, not per request. */
  void heard(ModelActivated a) {
    nodes.put(a.role() + "/" + a.node(), new Heard(a.role(), a.node(), a.modelVersion(), a.previousVersion(), System.currentTimeMillis()));
    servable = choose();
  }

  /** Drops nodes not heard from lately (called on a timer). */
  void expire() {
    forgetStale();
    servable = choose();
  }

  /** The version to ask for, or 0 when no ANN node has been heard from (the embedding node then picks its current). */
  long servable() {
    return servable;
  }

  private long choose() {
    Set<Long> common = null;
    Map<Long, Integer> asCurrent = new HashMap<>();
    for (Heard h : nodes.values()) {
      if (!h.role().equals("ann")) continue;
      Set<Long> held = new HashSet<>();
      held.add(h.current());
      if (h.previous() > 0) held.add(h.previous());
      if (common == null) common = held;
      else common.retainAll(held);
      asCurrent.merge(h.current(), 1, Integer::sum);
    }
    if (common == null || common.isEmpty()) return 0;
    long best = 0;
    int bestCount = -1;
    for (long v : common) {
      int count = asCurrent.getOrDefault(v, 0);
      if (count > bestCount || (count == bestCount && v > best)) {
        best = v;
        bestCount = count;
      }
    }
    return best;
  }

  /** Every live node and what it serves, for the readiness answer. */
  JsonArray describe() {
    JsonArray out = new JsonArray();
    nodes.values().stream().sorted(java.util.Comparator.comparing(Heard::role).thenComparing(Heard::node)).forEach(h ->
        out.add(new JsonObject().put("role", h.role()).put("node", h.node()).put("model_version", h.current())
            .put("previous_version", h.previous())));
    return out;
  }

  private void forgetStale() {
    long now = System.currentTimeMillis();
    for (Iterator<Heard> it = nodes.values().iterator(); it.hasNext(); ) {
      if (now - it.next().atMillis() > staleMillis) it.remove();
    }
  }
}

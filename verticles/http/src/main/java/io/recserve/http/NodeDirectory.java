package io.recserve.http;

import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live nodes, from their heartbeats: which role each runs, which model versions it holds, and whether it takes
 * requests. From it the HTTP verticle works out the version to serve and picks the node to ask.
 *
 * <p>The version served is one that every live ANN node can search and at least one embedding node holds, preferring
 * the one most ANN nodes have as current, then the newest. So while a new version spreads, requests keep using the
 * old one, and switch once every ANN node has the new index: no request meets a node without its version, and no
 * answer mixes two versions. A node not heard from for two heartbeats (plus a margin) is dropped.
 */
final class NodeDirectory {
  private record Heard(NodeHeartbeat beat, long atMillis) {}

  private final Map<String, Heard> nodes = new LinkedHashMap<>();
  private final long staleMillis;
  private final Map<String, Integer> turns = new HashMap<>();
  private ModelRef servable;

  NodeDirectory(long heartbeatMillis) {
    this.staleMillis = 2 * heartbeatMillis + Math.max(250, heartbeatMillis / 2);
  }

  /** A heartbeat: the version to serve is worked out here, not per request. */
  void heard(NodeHeartbeat beat) {
    nodes.put(beat.role() + "/" + beat.node(), new Heard(beat, System.currentTimeMillis()));
    servable = choose();
  }

  /** Drops nodes not heard from lately (called on a timer). */
  void expire() {
    long now = System.currentTimeMillis();
    for (Iterator<Heard> it = nodes.values().iterator(); it.hasNext(); ) {
      if (now - it.next().atMillis() > staleMillis) it.remove();
    }
    servable = choose();
  }

  /** Forgets a node at once (it did not answer in time); its next heartbeat brings it back. */
  void suspect(String role, String node) {
    if (nodes.remove(role + "/" + node) != null) servable = choose();
  }

  /** The version to ask for, or null when no version is held both by every ANN node and by an embedding node. */
  ModelRef servable() {
    return servable;
  }

  /** True once any embedding or ANN node has been heard from: requests then go to nodes by their own address. */
  boolean knowsNodes(String role) {
    for (Heard h : nodes.values()) if (h.beat().role().equals(role)) return true;
    return false;
  }

  /**
   * Live nodes of {@code role} that take requests and hold {@code model}, in the order to try them: round-robin
   * over calls, so load spreads.
   */
  List<String> candidates(String role, ModelRef model) {
    List<String> found = new ArrayList<>();
    for (Heard h : nodes.values()) {
      NodeHeartbeat b = h.beat();
      if (serves(b, role, model)) found.add(b.node());
    }
    return inTurn(role, found);
  }

  /**
   * Live nodes other than {@code self} that run both the embedding and the ANN role, take requests in both and hold
   * {@code model}: nodes that can do a known user's whole search in one message ({@code Addresses.EMBEDDING_SEARCH}).
   * In the order to try them, round-robin as {@link #candidates}.
   */
  List<String> searchingEmbeddingNodes(ModelRef model, String self) {
    List<String> found = new ArrayList<>();
    for (Heard h : nodes.values()) {
      NodeHeartbeat b = h.beat();
      if (b.node().equals(self) || !serves(b, "embedding", model)) continue;
      Heard ann = nodes.get("ann/" + b.node());
      if (ann != null && serves(ann.beat(), "ann", model)) found.add(b.node());
    }
    return inTurn("embedding+ann", found);
  }

  /** The node runs {@code role}, takes requests, and holds {@code model} (any version when null). */
  private static boolean serves(NodeHeartbeat b, String role, ModelRef model) {
    return b.role().equals(role) && b.accepting() && (model == null || b.holds(model));
  }

  private List<String> inTurn(String key, List<String> found) {
    if (found.size() > 1) {
      int turn = turns.merge(key, 1, Integer::sum);
      java.util.Collections.rotate(found, -(turn % found.size()));
    }
    return found;
  }

  /** Every live node of {@code role}, e.g. the HTTP nodes a change must reach. */
  List<String> nodes(String role) {
    List<String> found = new ArrayList<>();
    for (Heard h : nodes.values()) if (h.beat().role().equals(role)) found.add(h.beat().node());
    return found;
  }

  /** The ids of every model version some live node holds: where a user's cached answers may be. */
  List<String> heldModelIds() {
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    for (Heard h : nodes.values()) {
      for (ModelRef r : held(h.beat())) ids.add(r.id());
    }
    return new ArrayList<>(ids);
  }

  private ModelRef choose() {
    Map<String, ModelRef> byId = new HashMap<>();
    Map<String, Integer> onEveryAnn = null;
    Map<String, Integer> asCurrent = new HashMap<>();
    java.util.Set<String> onEmbedding = new java.util.HashSet<>();
    for (Heard h : nodes.values()) {
      NodeHeartbeat b = h.beat();
      if (!b.accepting()) continue;
      if (b.role().equals("embedding")) {
        for (ModelRef r : held(b)) onEmbedding.add(r.id());
      } else if (b.role().equals("ann")) {
        Map<String, Integer> here = new HashMap<>();
        for (ModelRef r : held(b)) {
          here.put(r.id(), 1);
          byId.put(r.id(), r);
        }
        if (onEveryAnn == null) onEveryAnn = here;
        else onEveryAnn.keySet().retainAll(here.keySet());
        if (b.current() != null) asCurrent.merge(b.current().id(), 1, Integer::sum);
      }
    }
    if (onEveryAnn == null) return null;
    ModelRef best = null;
    int bestCount = -1;
    for (String id : onEveryAnn.keySet()) {
      // An embedding node taking requests must hold it too. The heartbeats of an embedding node and an ANN node that
      // start together may come in either order: a version served on the ANN node's word alone would send the first
      // requests to an embedding address nobody answers yet.
      if (!onEmbedding.contains(id)) continue;
      ModelRef r = byId.get(id);
      int count = asCurrent.getOrDefault(id, 0);
      if (count > bestCount || (count == bestCount && r.version() > best.version())) {
        best = r;
        bestCount = count;
      }
    }
    return best;
  }

  private static List<ModelRef> held(NodeHeartbeat b) {
    List<ModelRef> out = new ArrayList<>(2);
    if (b.current() != null) out.add(b.current());
    if (b.previous() != null) out.add(b.previous());
    return out;
  }

  /** Every live node and what it holds, for the detailed readiness answer. */
  JsonArray describe() {
    JsonArray out = new JsonArray();
    nodes.values().stream().map(Heard::beat).sorted(Comparator.comparing(NodeHeartbeat::role).thenComparing(NodeHeartbeat::node))
        .forEach(b -> {
          JsonObject n = new JsonObject().put("role", b.role()).put("node", b.node()).put("accepting", b.accepting());
          if (b.error() != null) n.put("error", b.error());
          ModelRef.put(n, "model", b.current());
          ModelRef.put(n, "previous", b.previous());
          out.add(ModelRef.put(n, "loading", b.loading()));
        });
    return out;
  }
}

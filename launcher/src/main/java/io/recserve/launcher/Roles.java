package io.recserve.launcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which verticles a node runs, and how many instances of each: {@code "http,embedding"} or {@code "ann:2,cache"}.
 * A role without a count takes its configured default ({@code http.instances}, {@code ann.instances}, else 1).
 */
public record Roles(Map<String, Integer> instances) {
  public static final Set<String> KNOWN = Set.of("http", "embedding", "ann", "cache", "analytics");
  public static final String ALL = "http,embedding,ann,cache,analytics";
  /** Two instances in one node would write the same events file and spill file, each as its only writer. */
  static final String ONE_ANALYTICS = "the analytics role runs one instance per node (its events file and spill file take one writer); "
      + "for more, run it on another node";

  public static Roles parse(String spec) {
    Map<String, Integer> roles = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) continue;
      String[] nameCount = p.split(":", 2);
      String name = nameCount[0].strip().toLowerCase();
      if (!KNOWN.contains(name)) throw new IllegalArgumentException("unknown role '" + name + "'; roles are " + ALL);
      int count = 0;
      if (nameCount.length == 2) {
        try {
          count = Integer.parseInt(nameCount[1].strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("instance count of role " + name + " must be an integer: " + p);
        }
        if (count < 1) throw new IllegalArgumentException("instance count of role " + name + " must be at least 1: " + p);
        if (count > 1 && name.equals("analytics")) throw new IllegalArgumentException(ONE_ANALYTICS + ": " + p);
      }
      roles.put(name, count);
    }
    if (roles.isEmpty()) throw new IllegalArgumentException("no role given; roles are " + ALL);
    return new Roles(roles);
  }

  public boolean has(String role) {
    return instances.containsKey(role);
  }

  /** These roles but {@code role} (possibly none). */
  public Roles without(String role) {
    Map<String, Integer> rest = new LinkedHashMap<>(instances);
    rest.remove(role);
    return new Roles(rest);
  }

  /** {@code role} alone if it is among these, else none. */
  public Roles only(String role) {
    Map<String, Integer> one = new LinkedHashMap<>();
    if (has(role)) one.put(role, instances.get(role));
    return new Roles(one);
  }

  /** True when this node serves model data (embedding or ann) and so needs a published model. */
  public boolean needsModel() {
    return has("embedding") || has("ann");
  }
}

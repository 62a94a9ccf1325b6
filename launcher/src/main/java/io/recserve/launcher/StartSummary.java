package io.recserve.launcher;

import io.recserve.bootstrap.RecserveConfig;
import io.recserve.bootstrap.RecserveVersion;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgSettings;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * What a node prints once it has started: the roles, the store, the cache, the model version, the ports and a
 * command to try, with any password in a URL shown as {@code ***}. The first line is the one scripts wait for:
 * "Recserve is serving on http://localhost:PORT", or "Recserve node running roles [...]" on a node without HTTP.
 */
final class StartSummary {
  private static final Pattern USER_PASSWORD = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://[^:@/]*):[^@/]*@");
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&]password=)[^&]*");

  private StartSummary() {}

  /** {@code postgresql://user:secret@host/db} as {@code postgresql://user:***@host/db}; a password parameter too. */
  static String mask(String url) {
    String masked = USER_PASSWORD.matcher(url).replaceFirst("$1:***@");
    return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1***");
  }

  static String text(JsonObject config, Roles roles, Vertx vertx, int adminPort, OptionalLong modelVersion) {
    List<String> lines = new ArrayList<>();
    JsonObject http = config.getJsonObject("http", new JsonObject());
    int httpPort = http.getInteger("port", 8080);
    boolean tls = !http.getJsonObject("tls", new JsonObject()).getString("cert-file", "").isBlank();
    String scheme = tls ? "https" : "http";
    lines.add(roles.has("http") ? "Recserve is serving on " + scheme + "://localhost:" + httpPort
        : "Recserve node running roles " + roles.instances().keySet());
    line(lines, "version", RecserveVersion.version() + " (commit " + RecserveVersion.commit() + ")");
    line(lines, "roles", roles(config, roles));
    line(lines, "store", store(config));
    line(lines, "cache", cache(config, roles));
    if (roles.needsModel()) {
      line(lines, "model", modelVersion.isPresent() ? "version " + modelVersion.getAsLong()
          : "none published yet: this node serves once 'bootstrap publish' makes one current");
    }
    line(lines, "ports", ports(config, roles, vertx, httpPort, adminPort));
    if (adminPort > 0) line(lines, "console", console(config, adminPort));
    JsonObject security = config.getJsonObject("security", new JsonObject());
    boolean keys = !security.getString("api-keys", "").isBlank() || !security.getString("api-key-file", "").isBlank();
    boolean adminKeys = !security.getString("admin-keys", "").isBlank() || !security.getString("api-key-file", "").isBlank();
    line(lines, "keys", (keys ? "API keys required on the public routes (but /health-check and /ready)" : "none: the public routes are open to whoever reaches the port")
        + "; management listener " + (adminKeys ? "behind admin keys" : "open to whoever reaches it"));
    if (roles.has("http")) {
      String curl = "curl -s" + (tls ? "k " + scheme + "://" : " ") + "localhost:" + httpPort;
      line(lines, "try", curl + "/recommend -XPOST -H 'content-type: application/json'" + (keys ? " -H 'authorization: Bearer <key>'" : "")
          + " -d '{\"user_id\": 1}'");
      line(lines, "", curl + "/ready");
    }
    if (adminPort > 0) {
      String host = config.getJsonObject("admin", new JsonObject()).getString("host", "127.0.0.1");
      line(lines, "", "curl -s" + (adminKeys ? " -H 'authorization: Bearer <admin key>'" : "") + " " + host + ":" + adminPort + "/admin/models");
    }
    return String.join(System.lineSeparator(), lines) + System.lineSeparator();
  }

  /** The web console's address: the management listener's root (https when it has TLS; a wildcard host shown as localhost). */
  static String console(JsonObject config, int adminPort) {
    JsonObject admin = config.getJsonObject("admin", new JsonObject());
    String host = admin.getString("host", "127.0.0.1");
    if (host.equals("0.0.0.0") || host.equals("::")) host = "localhost";
    else if (host.contains(":")) host = "[" + host + "]";
    boolean tls = !admin.getJsonObject("tls", new JsonObject()).getString("cert-file", "").isBlank();
    return (tls ? "https" : "http") + "://" + host + ":" + adminPort + "/";
  }

  private static void line(List<String> lines, String label, String value) {
    lines.add(String.format("  %-7s %s", label, value));
  }

  private static String roles(JsonObject config, Roles roles) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Integer> role : roles.instances().entrySet()) {
      int n = role.getValue() > 0 ? role.getValue() : config.getJsonObject(role.getKey(), new JsonObject()).getInteger("instances", 1);
      parts.add(n == 1 ? role.getKey() : role.getKey() + " x" + n);
    }
    return String.join(", ", parts);
  }

  private static String store(JsonObject config) {
    if (PgSettings.configured(config)) return "PostgreSQL " + PgSettings.of(config).display();
    return "data folder " + DataFolder.of(config).toAbsolutePath().normalize();
  }

  private static String cache(JsonObject config, Roles roles) {
    if (!roles.has("cache")) return "on the node with the cache role";
    JsonObject cache = config.getJsonObject("cache", new JsonObject());
    if (!cache.getBoolean("enabled", true)) return "off (cache.enabled is false)";
    int ttl = cache.getInteger("ttl-seconds", 300);
    String redis = RecserveConfig.string(config, "redis", "url");
    if (!redis.isBlank()) {
      return "Redis " + mask(redis) + " (answers kept " + ttl + " s" + near(cache) + ")";
    }
    return "Caffeine, in this process (answers kept " + ttl + " s" + near(cache) + ")";
  }

  private static String near(JsonObject cache) {
    int near = cache.getInteger("near-ttl-seconds", 10);
    return near > 0 ? "; the HTTP node keeps them " + near + " s in its near-cache" : "";
  }

  private static String ports(JsonObject config, Roles roles, Vertx vertx, int httpPort, int adminPort) {
    List<String> ports = new ArrayList<>();
    if (roles.has("http")) ports.add("HTTP " + config.getJsonObject("http", new JsonObject()).getString("host", "127.0.0.1") + ":" + httpPort);
    if (adminPort > 0) ports.add("management " + config.getJsonObject("admin", new JsonObject()).getString("host", "127.0.0.1") + ":" + adminPort);
    JsonObject bridge = config.getJsonObject("bridge", new JsonObject());
    if (roles.has("analytics") && bridge.getBoolean("enabled", false)) {
      ports.add("event-stream bridge " + bridge.getString("host", "127.0.0.1") + ":" + bridge.getInteger("port", 7001));
    }
    ClusterManager manager = vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
    if (manager instanceof HazelcastClusterManager hazelcast && hazelcast.getHazelcastInstance() != null) {
      var member = hazelcast.getHazelcastInstance().getCluster().getLocalMember().getAddress();
      ports.add("Hazelcast " + member.getHost() + ":" + member.getPort());
    }
    if (manager != null) {
      NodeInfo node = manager.getNodeInfo();
      if (node != null) ports.add("event bus " + node.host() + ":" + node.port());
    }
    return ports.isEmpty() ? "none (not clustered, no HTTP)" : String.join(", ", ports);
  }
}

package io.recserve.bootstrap;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Recserve's configuration: {@code conf/recserve.yaml} (or the file named by RECSERVE_CONFIG / --config; the copy
 * inside the jar when neither exists) read through vertx-config, then every {@code RECSERVE_*} environment variable
 * laid over it: {@code RECSERVE_HTTP_PORT} sets {@code http.port}, {@code RECSERVE_CACHE_TTL_SECONDS} sets
 * {@code cache.ttl-seconds}, {@code RECSERVE_MOVIELENS} sets {@code movielens}. A setting inside a nested section is
 * reached the same way: {@code RECSERVE_HTTP_TLS_KEY_FILE} sets {@code http.tls.key-file} (the file must have the
 * nested section). {@code RECSERVE_API_KEYS}, {@code RECSERVE_ADMIN_KEYS} and {@code RECSERVE_API_KEY_FILE} are short
 * for {@code security.api-keys}, {@code security.admin-keys} and {@code security.api-key-file}.
 */
public final class RecserveConfig {
  public static final String DEFAULT_FILE = "conf/recserve.yaml";
  private static final String PREFIX = "RECSERVE_";
  private static final Map<String, String> ALIASES = Map.of("RECSERVE_API_KEYS", "RECSERVE_SECURITY_API_KEYS",
      "RECSERVE_ADMIN_KEYS", "RECSERVE_SECURITY_ADMIN_KEYS", "RECSERVE_API_KEY_FILE", "RECSERVE_SECURITY_API_KEY_FILE");

  private RecserveConfig() {}

  /** Reads the configuration with vertx-config: the file, then the RECSERVE_* environment laid over it. */
  public static Future<JsonObject> load(Vertx vertx, String file) {
    return load(vertx, file, true);
  }

  /** The file alone when {@code environment} is false (tests, which then set stores explicitly). */
  public static Future<JsonObject> load(Vertx vertx, String file, boolean environment) {
    String path = file != null ? file : System.getenv().getOrDefault("RECSERVE_CONFIG", DEFAULT_FILE);
    if (file != null && !Files.isRegularFile(Path.of(file))) {
      return Future.failedFuture("configuration file " + file + " does not exist");
    }
    ConfigStoreOptions yaml = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    ConfigStoreOptions env = new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false).addStore(yaml);
    if (environment) options.addStore(env);
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig().map(RecserveConfig::applyEnvironment).andThen(ar -> retriever.close());
  }

  /** Moves flat {@code RECSERVE_*} keys (from the environment store) into the sections they name. */
  static JsonObject applyEnvironment(JsonObject merged) {
    JsonObject config = new JsonObject();
    for (Map.Entry<String, Object> e : merged) {
      if (!e.getKey().matches("[A-Z0-9_]+")) config.put(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Object> e : merged) {
      String key = ALIASES.getOrDefault(e.getKey(), e.getKey());
      if (!key.startsWith(PREFIX) || key.equals("RECSERVE_CONFIG") || key.equals("RECSERVE_JVM_OPTS")) continue;
      String name = key.substring(PREFIX.length()).toLowerCase();
      String[] parts = name.split("_", 2);
      String value = String.valueOf(e.getValue());
      String topLevel = name.replace('_', '-');
      if (parts.length == 1 || (config.containsKey(topLevel) && !(config.getValue(topLevel) instanceof JsonObject))) {
        config.put(topLevel, typed(config.getValue(topLevel), value)); // movielens, movielens-url
      } else if (config.containsKey(parts[0]) && !(config.getValue(parts[0]) instanceof JsonObject)) {
        throw new IllegalArgumentException(key + " names no setting: " + parts[0] + " is not a section");
      } else {
        JsonObject section = config.getJsonObject(parts[0]);
        if (section == null) {
          section = new JsonObject();
          config.put(parts[0], section);
        }
        String setting = parts[1].replace('_', '-');
        // A nested section (http.tls, security.rate-limit) takes the settings whose name starts with its own.
        for (boolean descended = true; descended; ) {
          descended = false;
          for (Map.Entry<String, Object> child : section) {
            if (child.getValue() instanceof JsonObject nested && setting.startsWith(child.getKey() + "-")) {
              section = nested;
              setting = setting.substring(child.getKey().length() + 1);
              descended = true;
              break;
            }
          }
        }
        section.put(setting, typed(section.getValue(setting), value));
      }
    }
    return config;
  }

  private static Object typed(Object existing, String value) {
    if (existing == null) return guessed(value);
    try {
      if (existing instanceof Boolean) return Boolean.parseBoolean(value.strip());
      if (existing instanceof Integer || existing instanceof Long) return Long.parseLong(value.strip());
      if (existing instanceof Number) return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("environment value '" + value + "' should be a number", e);
    }
    return value;
  }

  /**
   * A setting the file leaves out takes the type its value looks like, so that the code's {@code getLong} or
   * {@code getBoolean} reads it: a whole number, {@code true}/{@code false}, else the string.
   */
  private static Object guessed(String value) {
    String v = value.strip();
    if (v.matches("-?\\d{1,18}")) return Long.parseLong(v);
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) return Boolean.parseBoolean(v);
    return value;
  }

  /** {@code section.key} as a string, "" when absent. */
  public static String string(JsonObject config, String section, String key) {
    Object v = config.getJsonObject(section, new JsonObject()).getValue(key);
    return v == null ? "" : String.valueOf(v);
  }
}

package io.recserve.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys in force on this node: {@code security.api-keys} (read and write keys), {@code security.admin-keys} (admin
 * keys) and the key file {@code security.api-key-file} (any role, one entry per line). The file is re-read every
 * {@code security.key-file-check-ms} (1000 ms); a new content is swapped in, without a restart, once two reads in a row
 * at least half a period apart found it (a file caught half-written is never taken; writing a new file and renaming it
 * over the old one is best).
 * A file that cannot be read or parsed any more keeps the keys in force, with a warning naming the line (never its
 * content).
 *
 * <p>Which listeners are guarded is decided once, at start: the public routes when API keys or a key file are set; the
 * management listener when admin keys are set, or the key file held an admin key at start. A rotation never opens a
 * guarded listener: a file emptied of its admin keys leaves the management listener refusing every request.
 */
public final class KeyRing {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);
  private final ApiKeys fixed;
  private final String file;
  private final boolean apiGuarded;
  private volatile ApiKeys current;
  private volatile boolean adminGuarded;
  private String lastText;
  private String pendingText;
  private long pendingSince;
  /** How often the key file is read, in ms. */
  private final long every;
  private long timer = -1;

  private KeyRing(ApiKeys fixed, String file, long every, boolean apiGuarded, boolean adminGuarded) {
    this.every = every;
    this.fixed = fixed;
    this.file = file;
    this.apiGuarded = apiGuarded;
    this.adminGuarded = adminGuarded;
    this.current = fixed;
  }

  /** Keys given directly (tests, and nodes without a file). */
  public static KeyRing of(ApiKeys keys, boolean apiGuarded, boolean adminGuarded) {
    return new KeyRing(keys, null, 0, apiGuarded, adminGuarded);
  }

  /** True when the configuration names any key or key file, i.e. when some listener is guarded. */
  public static boolean configured(JsonObject config) {
    JsonObject s = config.getJsonObject("security", new JsonObject());
    return !s.getString("api-keys", "").isBlank() || !s.getString("admin-keys", "").isBlank() || !s.getString("api-key-file", "").isBlank();
  }

  /** Reads the settings and the key file, and starts watching the file on the caller's context. */
  public static Future<KeyRing> start(Vertx vertx, JsonObject config) {
    JsonObject s = config.getJsonObject("security", new JsonObject());
    ApiKeys fixed;
    try {
      fixed = ApiKeys.parseList(s.getString("api-keys", ""), EnumSet.of(Role.READ, Role.WRITE), "security.api-keys")
          .with(ApiKeys.parseList(s.getString("admin-keys", ""), EnumSet.of(Role.ADMIN), "security.admin-keys"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String file = s.getString("api-key-file", "").strip();
    boolean apiGuarded = !s.getString("api-keys", "").isBlank() || !file.isEmpty();
    boolean adminGuarded = !s.getString("admin-keys", "").isBlank();
    KeyRing ring = new KeyRing(fixed, file.isEmpty() ? null : file, s.getLong("key-file-check-ms", 1000L), apiGuarded, adminGuarded);
    if (ring.file == null) return Future.succeededFuture(ring);
    return vertx.fileSystem().readFile(file)
        .recover(e -> Future.failedFuture(new IllegalArgumentException("security.api-key-file " + file + " cannot be read")))
        .map(text -> {
          ring.load(text.toString());
          if (ring.current.has(Role.ADMIN)) ring.adminGuarded = true;
          ring.timer = vertx.setPeriodic(ring.every, id -> vertx.fileSystem().readFile(file).onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("key file {} cannot be read; the keys read before stay in force", file);
            } else {
              try {
                ring.changed(ar.result().toString(), System.nanoTime());
              } catch (IllegalArgumentException e) {
                LOG.warn("key file not reloaded, the keys read before stay in force: {}", e.getMessage());
              }
            }
          }));
          return ring;
        });
  }

  /**
   * A read of the file: a new content is taken once two reads in a row find it, at least half a check period apart, so
   * that a file caught half-written (truncated, not yet filled) is never taken for the keys. The time matters: two reads
   * can end a few microseconds apart (late timer ticks on a busy machine, file reads finishing together) and both find
   * the file empty between its truncation and its write.
   */
  void changed(String text, long now) {
    if (text.equals(lastText)) {
      pendingText = null;
    } else if (!text.equals(pendingText)) {
      pendingText = text;
      pendingSince = now;
    } else if (now - pendingSince >= every * 500_000L) {
      pendingText = null;
      load(text);
    }
  }

  private void load(String text) {
    if (text.equals(lastText)) return;
    ApiKeys keys = fixed.with(ApiKeys.parseFile(text, "security.api-key-file " + file));
    boolean first = lastText == null;
    lastText = text;
    current = keys;
    if (!first) Audit.log("system", "key file reloaded", "keys in force " + keys.describe());
    else LOG.info("{} API key(s) in force: {}", keys.size(), keys.describe());
  }

  public ApiKeys keys() {
    return current;
  }

  /** The public routes (all but /health-check and /ready) need a key. */
  public boolean apiGuarded() {
    return apiGuarded;
  }

  /** The management listener needs an admin key. */
  public boolean adminGuarded() {
    return adminGuarded;
  }

  public void close(Vertx vertx) {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}

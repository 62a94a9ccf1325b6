package io.recserve.serving;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** The embedded store's folder the configuration names: {@code data.dir} (RECSERVE_DATA_DIR), {@code data} when unset. */
public final class DataFolder {
  private DataFolder() {}

  public static Path of(JsonObject config) {
    String dir = config.getJsonObject("data", new JsonObject()).getString("dir", "");
    return Path.of(dir.isBlank() ? "data" : dir);
  }
}

package io.recserve.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version and the git commit the jar was built from ("unknown" when built without .git). */
public final class RecserveVersion implements IVersionProvider {
  private static final Properties BUILD = load();

  private static Properties load() {
    Properties properties = new Properties();
    try (InputStream in = RecserveVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) properties.load(in);
    } catch (IOException ignored) {
      // every value then reads as unknown
    }
    return properties;
  }

  private static String value(String key) {
    String v = BUILD.getProperty(key, "").strip();
    return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
  }

  /** The project version, e.g. 0.1.0-SNAPSHOT. */
  public static String version() {
    return value("version");
  }

  /** The abbreviated commit id, with "+ local changes" when the work tree differed from it; or "unknown". */
  public static String commit() {
    String commit = value("commit");
    if (commit.equals("unknown")) return commit;
    return value("dirty").equals("true") ? commit + " + local changes" : commit;
  }

  /** "Recserve 0.1.0-SNAPSHOT (commit 1a2b3c4)". */
  public static String line() {
    return "Recserve " + version() + " (commit " + commit() + ")";
  }

  @Override
  public String[] getVersion() {
    String time = value("commit.time");
    return new String[] {
        "Recserve " + version(),
        "commit " + commit() + (time.equals("unknown") ? "" : ", " + time),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ") at " + System.getProperty("java.home"),
    };
  }
}

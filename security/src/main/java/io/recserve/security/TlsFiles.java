package io.recserve.security;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * PEM files named in a {@code tls} section ({@code key-file}, {@code cert-file}, {@code trust-file}), checked at start so
 * that a missing or unreadable file stops the node with a message naming the setting.
 */
public final class TlsFiles {
  private TlsFiles() {}

  /** The key and certificate of {@code section} ({@code where} names it, e.g. {@code http.tls}), or null when neither is set. */
  public static PemKeyCertOptions keyCert(JsonObject section, String where) {
    String key = section == null ? "" : section.getString("key-file", "").strip();
    String cert = section == null ? "" : section.getString("cert-file", "").strip();
    if (key.isEmpty() && cert.isEmpty()) return null;
    if (key.isEmpty() || cert.isEmpty()) throw new IllegalArgumentException(where + ": set both key-file and cert-file (PEM), or neither");
    readable(key, where + ".key-file");
    readable(cert, where + ".cert-file");
    return new PemKeyCertOptions().setKeyPath(key).setCertPath(cert);
  }

  /** The certificates to trust ({@code trust-file}: one or more PEM certificates), or null when not set. */
  public static PemTrustOptions trust(JsonObject section, String where) {
    String trust = section == null ? "" : section.getString("trust-file", "").strip();
    if (trust.isEmpty()) return null;
    readable(trust, where + ".trust-file");
    return new PemTrustOptions().addCertPath(trust);
  }

  private static void readable(String file, String setting) {
    if (!Files.isReadable(Path.of(file))) throw new IllegalArgumentException(setting + " " + file + " cannot be read");
  }
}

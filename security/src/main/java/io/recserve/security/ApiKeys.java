package io.recserve.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A set of keys, parsed from entries {@code name:role:key} or {@code name:role:sha256:<64 hex digits>} (the digest of
 * the key, so that the configuration need not hold the secret). Matching digests the presented key once and compares
 * digests with {@link MessageDigest#isEqual} (constant time), against every key.
 */
public final class ApiKeys {
  /** Shortest key accepted in clear: shorter secrets can be guessed. */
  public static final int MIN_KEY_LENGTH = 16;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern HEX_DIGEST = Pattern.compile("[0-9a-fA-F]{64}");
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });
  public static final ApiKeys NONE = new ApiKeys(List.of());

  private final ApiKey[] keys;

  ApiKeys(List<ApiKey> keys) {
    this.keys = keys.toArray(new ApiKey[0]);
  }

  public static byte[] sha256(String secret) {
    MessageDigest digest = SHA256.get();
    digest.reset();
    return digest.digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /** A comma-separated list (a setting or an environment variable); {@code source} names it in errors. */
  public static ApiKeys parseList(String list, Set<Role> allowed, String source) {
    List<String> entries = new ArrayList<>();
    if (list != null) for (String e : list.split(",")) if (!e.isBlank()) entries.add(e);
    return parse(entries, allowed, source, false);
  }

  /** A key file: one entry per line; blank lines and lines starting with {@code #} are skipped. */
  public static ApiKeys parseFile(String text, String source) {
    return parse(text.lines().toList(), EnumSet.allOf(Role.class), source, true);
  }

  private static ApiKeys parse(List<String> entries, Set<Role> allowed, String source, boolean lines) {
    List<ApiKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i).strip();
      if (entry.isEmpty() || (lines && entry.startsWith("#"))) continue;
      // Errors name the entry by position, never by content: the content holds a secret.
      String where = source + (lines ? " line " + (i + 1) : " entry " + (keys.size() + 1));
      String[] parts = entry.split(":", 3);
      if (parts.length != 3) throw new IllegalArgumentException(where + ": expected name:role:key or name:role:sha256:<hex>");
      String name = parts[0].strip();
      if (!NAME.matcher(name).matches()) throw new IllegalArgumentException(where + ": the name must be 1-64 letters, digits, '.', '_' or '-'");
      Role role;
      try {
        role = Role.parse(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + " (" + name + "): " + e.getMessage());
      }
      if (!allowed.contains(role)) {
        throw new IllegalArgumentException(where + " (" + name + "): role " + role.label() + " is not allowed here; use " + labels(allowed));
      }
      String secret = parts[2].strip();
      byte[] digest;
      if (secret.regionMatches(true, 0, "sha256:", 0, 7)) {
        String hex = secret.substring(7);
        if (!HEX_DIGEST.matcher(hex).matches()) throw new IllegalArgumentException(where + " (" + name + "): sha256: must be followed by 64 hex digits");
        digest = HexFormat.of().parseHex(hex.toLowerCase());
      } else {
        if (secret.length() < MIN_KEY_LENGTH) {
          throw new IllegalArgumentException(where + " (" + name + "): the key must be at least " + MIN_KEY_LENGTH + " characters");
        }
        digest = sha256(secret);
      }
      if (!names.add(name)) throw new IllegalArgumentException(where + ": the name " + name + " is used twice");
      keys.add(new ApiKey(name, role, digest));
    }
    return new ApiKeys(keys);
  }

  private static String labels(Set<Role> roles) {
    return String.join(" or ", roles.stream().map(Role::label).toList());
  }

  /** This set and {@code other}'s keys; a name in both is an error. */
  public ApiKeys with(ApiKeys other) {
    List<ApiKey> all = new ArrayList<>(List.of(keys));
    Set<String> names = new HashSet<>();
    for (ApiKey k : keys) names.add(k.name());
    for (ApiKey k : other.keys) {
      if (!names.add(k.name())) throw new IllegalArgumentException("the key name " + k.name() + " is used twice");
      all.add(k);
    }
    return new ApiKeys(all);
  }

  /** The key whose secret is {@code presented}, or null. Costs one SHA-256 and one comparison per key. */
  public ApiKey match(String presented) {
    byte[] digest = sha256(presented);
    ApiKey found = null;
    for (ApiKey key : keys) {
      if (MessageDigest.isEqual(key.digest(), digest)) found = key; // no early exit: the same work whichever key matches
    }
    return found;
  }

  public boolean isEmpty() {
    return keys.length == 0;
  }

  public int size() {
    return keys.length;
  }

  public boolean has(Role role) {
    for (ApiKey k : keys) if (k.role() == role) return true;
    return false;
  }

  /** The names and roles, for the log. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    for (ApiKey k : keys) out.add(k.toString());
    return out;
  }
}

package io.recserve.security;

/**
 * One key: its name (the only part ever logged), its role, and the SHA-256 digest of the secret. The secret itself is
 * never kept: a key given in clear is digested when it is read.
 */
public record ApiKey(String name, Role role, byte[] digest) {
  @Override
  public String toString() {
    return name + ":" + role.label(); // never the digest, let alone the key
  }
}

package io.recserve.security;

import java.util.Locale;

/**
 * What a key may do. {@code read}: the serving routes; {@code write}: those and the routes that change data (feedback,
 * user deletion); {@code admin}: the management listener only (metrics, detailed readiness, the summary, model admin).
 */
public enum Role {
  READ, WRITE, ADMIN;

  /** True when a key of this role may call a route that needs {@code needed}. */
  public boolean grants(Role needed) {
    return this == needed || (this == WRITE && needed == READ);
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Role parse(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "read" -> READ;
      case "write" -> WRITE;
      case "admin" -> ADMIN;
      default -> throw new IllegalArgumentException("role must be read, write or admin");
    };
  }
}

package io.recserve.security;

/**
 * The check in front of guarded routes: a bearer key that exists, whose role grants the route's, and within its rate
 * limit. It costs one SHA-256 of the presented key and a comparison per configured key; a listener without keys has no
 * guard at all. Decisions carry the HTTP status, an error code and a message, and never say why a key did not match.
 */
public final class Guard {
  /** An allowed request ({@code status} 0) with its key, or a refusal with its status, error code and message. */
  public record Decision(ApiKey key, int status, String code, String message, Integer retryAfterSeconds) {
    public boolean allowed() {
      return status == 0;
    }

    /** 401 answers carry {@code WWW-Authenticate: Bearer}. */
    public boolean challenge() {
      return status == 401;
    }
  }

  private static final Decision MISSING = new Decision(null, 401, "unauthorized",
      "this route needs an API key: send Authorization: Bearer <key>", null);
  private static final Decision INVALID = new Decision(null, 401, "unauthorized", "the API key is not valid", null);

  private final KeyRing ring;
  private final RateLimits limits;

  public Guard(KeyRing ring, RateLimits limits) {
    this.ring = ring;
    this.limits = limits;
  }

  public KeyRing ring() {
    return ring;
  }

  /** {@code authorization} is the request's Authorization header (null when absent). */
  public Decision check(String authorization, Role needed) {
    String token = bearer(authorization);
    if (token == null) return MISSING;
    ApiKey key = ring.keys().match(token);
    if (key == null) return INVALID;
    if (!key.role().grants(needed)) {
      return new Decision(key, 403, "forbidden", needed == Role.ADMIN ? "this listener needs an admin key"
          : "this key is " + key.role().label() + "-only; this route needs a " + needed.label() + " key", null);
    }
    long waitNanos = limits == null ? 0 : limits.take(key);
    if (waitNanos > 0) {
      int seconds = (int) Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      return new Decision(key, 429, "rate_limited", "the rate limit of " + fmt(limits.perSecond(key.role())) + " requests/s for "
          + key.role().label() + " keys was reached on this node; retry after " + seconds + " s", seconds);
    }
    return new Decision(key, 0, null, null, null);
  }

  private static String fmt(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }

  /** The token of {@code Bearer <token>} (scheme in any case), or null. */
  static String bearer(String authorization) {
    if (authorization == null || authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = authorization.substring(7).strip();
    return token.isEmpty() ? null : token;
  }
}

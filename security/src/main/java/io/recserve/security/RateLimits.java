package io.recserve.security;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Optional rate limits per key, set per key class ({@code security.rate-limit.read-per-second}, {@code
 * write-per-second}, {@code admin-per-second}; 0, the default, is no limit), counted per node: every HTTP verticle
 * instance of a node draws from the same token bucket of a key. A bucket holds {@code burst-seconds} (1) worth of
 * requests. A request beyond the limit is answered 429 with {@code Retry-After}.
 */
public final class RateLimits implements Shareable {
  private final Map<Role, Double> perSecond = new EnumMap<>(Role.class);
  private final double burstSeconds;
  private final boolean any;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  RateLimits(JsonObject limits) {
    boolean set = false;
    for (Role role : Role.values()) {
      double rate = limits.getDouble(role.label() + "-per-second", 0.0);
      if (rate < 0) throw new IllegalArgumentException("security.rate-limit." + role.label() + "-per-second must not be negative");
      perSecond.put(role, rate);
      set |= rate > 0;
    }
    this.any = set;
    this.burstSeconds = Math.max(limits.getDouble("burst-seconds", 1.0), 0.001);
  }

  /** This node's limits: one instance per Vert.x instance and setting, shared by the verticles that guard routes. */
  public static RateLimits shared(Vertx vertx, JsonObject config) {
    JsonObject limits = config.getJsonObject("security", new JsonObject()).getJsonObject("rate-limit", new JsonObject());
    RateLimits fresh = new RateLimits(limits);
    return (RateLimits) vertx.sharedData().getLocalMap("recserve.security").computeIfAbsent("rate-limits " + limits.encode(), k -> fresh);
  }

  public boolean enabled() {
    return any;
  }

  /** 0 when {@code key} may make a request now (a token is taken), else the nanoseconds until it may. */
  public long take(ApiKey key) {
    if (!any) return 0;
    double rate = perSecond.get(key.role());
    if (rate <= 0) return 0;
    return buckets.computeIfAbsent(key.name() + "/" + key.role(), k -> new TokenBucket(rate, Math.max(1, rate * burstSeconds))).take(System.nanoTime());
  }

  public double perSecond(Role role) {
    return perSecond.get(role);
  }

  /** A token bucket: {@code rate} tokens a second, at most {@code capacity} kept. */
  static final class TokenBucket {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    TokenBucket(double rate, double capacity) {
      this.perNano = rate / 1e9;
      this.capacity = capacity;
      this.tokens = capacity;
      this.last = System.nanoTime();
    }

    synchronized long take(long now) {
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }
  }
}

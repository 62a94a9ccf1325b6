package io.recserve.model.als;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Implicit ALS hyper-parameters. Confidence of an observed rating r is {@code 1 + alpha * r}; {@code regularization}
 * is the L2 weight on both factor matrices; {@code threads} only changes speed, never the result.
 */
public record AlsParams(int factors, double regularization, double alpha, int iterations, long seed, int threads) {
  public static final AlsParams DEFAULTS = new AlsParams(64, 30.0, 1.0, 15, 42L, Runtime.getRuntime().availableProcessors());

  public AlsParams {
    if (factors < 1) throw new IllegalArgumentException("factors must be at least 1");
    if (regularization < 0) throw new IllegalArgumentException("regularization must not be negative");
    if (alpha < 0) throw new IllegalArgumentException("alpha must not be negative");
    if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
    if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
  }

  /** The parameters as stored with a version (threads left out: they never change the result). */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("factors", factors);
    map.put("regularization", regularization);
    map.put("alpha", alpha);
    map.put("iterations", iterations);
    map.put("seed", seed);
    return map;
  }

  /** Reads {@link #toMap()}'s form back; a missing key takes its default. */
  public static AlsParams fromMap(Map<String, Object> map) {
    return new AlsParams(number(map, "factors", DEFAULTS.factors).intValue(), number(map, "regularization", DEFAULTS.regularization).doubleValue(),
        number(map, "alpha", DEFAULTS.alpha).doubleValue(), number(map, "iterations", DEFAULTS.iterations).intValue(),
        number(map, "seed", DEFAULTS.seed).longValue(), DEFAULTS.threads);
  }

  private static Number number(Map<String, Object> map, String key, Number fallback) {
    return map.get(key) instanceof Number n ? n : fallback;
  }
}

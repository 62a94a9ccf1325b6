package io.recserve.model.als;

import io.vertx.core.json.JsonObject;

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

  public JsonObject toJson() {
    return new JsonObject().put("factors", factors).put("regularization", regularization).put("alpha", alpha)
        .put("iterations", iterations).put("seed", seed);
  }

  public static AlsParams fromJson(JsonObject json) {
    return new AlsParams(json.getInteger("factors", DEFAULTS.factors), json.getDouble("regularization", DEFAULTS.regularization),
        json.getDouble("alpha", DEFAULTS.alpha), json.getInteger("iterations", DEFAULTS.iterations),
        json.getLong("seed", DEFAULTS.seed), DEFAULTS.threads);
  }
}

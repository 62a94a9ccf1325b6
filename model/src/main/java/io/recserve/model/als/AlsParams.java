package io.recserve.model.als;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Implicit ALS hyper-parameters. Confidence of an observed rating r is {@code 1 + alpha * r}; {@code regularization}
 * is the L2 weight on both factor matrices; {@code threads} only changes speed, never the result. {@code solver}
 * picks how each row's normal equations are solved: {@link Solver#CG} runs {@code cgSteps} conjugate-gradient steps
 * from the row's previous vector (Takacs, Pilaszy and Tikk 2011; the default of the {@code implicit} library), which
 * costs O(n f) per step instead of Cholesky's O(n f^2 + f^3); {@link Solver#CHOLESKY} solves exactly.
 */
public record AlsParams(int factors, double regularization, double alpha, int iterations, long seed, int threads,
                        Solver solver, int cgSteps) {
  public enum Solver {
    CG, CHOLESKY;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Solver of(String key) {
      for (Solver s : values()) if (s.key().equals(key)) return s;
      throw new IllegalArgumentException("als.solver must be cg or cholesky, not " + key);
    }
  }

  public static final int DEFAULT_CG_STEPS = 3;
  public static final AlsParams DEFAULTS = new AlsParams(64, 30.0, 1.0, 15, 42L, Runtime.getRuntime().availableProcessors());

  public AlsParams {
    if (factors < 1) throw new IllegalArgumentException("factors must be at least 1");
    if (regularization < 0) throw new IllegalArgumentException("regularization must not be negative");
    if (alpha < 0) throw new IllegalArgumentException("alpha must not be negative");
    if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
    if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
    if (solver == null) throw new IllegalArgumentException("solver must be set");
    if (cgSteps < 1) throw new IllegalArgumentException("cg-steps must be at least 1");
  }

  /** The default solver: conjugate gradient, {@value #DEFAULT_CG_STEPS} steps per row. */
  public AlsParams(int factors, double regularization, double alpha, int iterations, long seed, int threads) {
    this(factors, regularization, alpha, iterations, seed, threads, Solver.CG, DEFAULT_CG_STEPS);
  }

  public AlsParams withSolver(Solver solver, int cgSteps) {
    return new AlsParams(factors, regularization, alpha, iterations, seed, threads, solver, cgSteps);
  }

  /** The parameters as stored with a version (threads left out: they never change the result). */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("factors", factors);
    map.put("regularization", regularization);
    map.put("alpha", alpha);
    map.put("iterations", iterations);
    map.put("seed", seed);
    map.put("solver", solver.key());
    if (solver == Solver.CG) map.put("cg_steps", cgSteps);
    return map;
  }

  /**
   * Reads {@link #toMap()}'s form back; a missing key takes its default, but a version stored without a solver was
   * trained before there was a choice, by Cholesky.
   */
  public static AlsParams fromMap(Map<String, Object> map) {
    Solver solver = map.get("solver") instanceof String s ? Solver.of(s) : Solver.CHOLESKY;
    return new AlsParams(number(map, "factors", DEFAULTS.factors).intValue(), number(map, "regularization", DEFAULTS.regularization).doubleValue(),
        number(map, "alpha", DEFAULTS.alpha).doubleValue(), number(map, "iterations", DEFAULTS.iterations).intValue(),
        number(map, "seed", DEFAULTS.seed).longValue(), DEFAULTS.threads, solver, number(map, "cg_steps", DEFAULT_CG_STEPS).intValue());
  }

  private static Number number(Map<String, Object> map, String key, Number fallback) {
    return map.get(key) instanceof Number n ? n : fallback;
  }
}

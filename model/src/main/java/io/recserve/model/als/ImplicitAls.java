package io.recserve.model.als;

import io.recserve.model.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_FDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008). Each half-iteration solves, for every
 * row, {@code (F'F + F' (C - I) F + lambda I) x = F' C p} with p = 1 on observed entries: by default with a few
 * conjugate-gradient steps started from the row's previous vector (Takacs, Pilaszy and Tikk 2011), which never forms
 * the f x f matrix of the row; or exactly, by Cholesky (EJML), with rows of few ratings through the Woodbury identity.
 * Rows are solved in parallel; each row's solution depends only on the other side's factors and its own previous
 * vector, so the result is the same for a given seed whatever the number of threads.
 */
public final class ImplicitAls {
  private static final int CHUNK = 32;
  /** Rows with at most factors / 3 ratings are solved through the Woodbury identity (see {@link LowRankSolver}). */
  private static final int LOW_RANK_DIVISOR = 3;

  private ImplicitAls() {}

  /** Receives the loss after each iteration. */
  public interface Listener {
    void iteration(int iteration, double loss, double seconds);
  }

  public static AlsModel train(Interactions data, AlsParams params, Listener listener) {
    int f = params.factors();
    Random random = new Random(params.seed());
    float[] x = new float[data.users() * f];
    float[] y = new float[data.items() * f];
    for (int i = 0; i < y.length; i++) y[i] = (float) (random.nextGaussian() * 0.01);
    for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * 0.01);
    ExecutorService pool = Executors.newFixedThreadPool(params.threads(), Thread.ofPlatform().name("als-solver").daemon().factory());
    try {
      for (int it = 1; it <= params.iterations(); it++) {
        long start = System.nanoTime();
        solveSide(pool, data.userPtr, data.userItems, data.userValues, y, x, params);
        solveSide(pool, data.itemPtr, data.itemUsers, data.itemValues, x, y, params);
        double loss = loss(pool, data, x, y, params);
        listener.iteration(it, loss, (System.nanoTime() - start) / 1e9);
      }
    } finally {
      pool.shutdownNow();
    }
    return new AlsModel(data, f, x, y);
  }

  /** Trains showing a progress bar over iterations and the loss of each. */
  public static AlsModel train(Interactions data, AlsParams params) {
    try (Progress progress = Progress.start("train", "iterations", params.iterations())) {
      return train(data, params, (it, loss, seconds) -> {
        progress.note(String.format(Locale.ROOT, "iteration %d/%d loss %.6f (%.2f s)", it, params.iterations(), loss / data.size(), seconds));
        progress.advance(1);
      });
    }
  }

  private static void solveSide(ExecutorService pool, int[] ptr, int[] cols, float[] values, float[] fixed,
                                float[] target, AlsParams params) {
    int f = params.factors();
    float[] gram = gram(fixed, f);
    for (int d = 0; d < f; d++) gram[d * f + d] += params.regularization();
    FMatrixRMaj baseInverse = new FMatrixRMaj(f, f);
    LinearSolverDense<FMatrixRMaj> baseSolver = LinearSolverFactory_FDRM.symmPosDef(f);
    if (!baseSolver.setA(FMatrixRMaj.wrap(f, f, gram.clone()))) throw new IllegalStateException("Gram matrix not positive definite; raise regularization");
    baseSolver.invert(baseInverse);
    int rows = ptr.length - 1;
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < params.threads(); t++) {
      tasks.add(pool.submit(() -> {
        FMatrixRMaj a = new FMatrixRMaj(f, f);
        FMatrixRMaj b = new FMatrixRMaj(f, 1);
        FMatrixRMaj solution = new FMatrixRMaj(f, 1);
        LinearSolverDense<FMatrixRMaj> solver = LinearSolverFactory_FDRM.symmPosDef(f);
        LowRankSolver lowRank = new LowRankSolver(f, baseInverse);
        FMatrixRMaj scaled = new FMatrixRMaj(1, f);
        ConjugateGradient cg = params.solver() == AlsParams.Solver.CG ? new ConjugateGradient(f, gram, params.cgSteps()) : null;
        int chunk;
        while ((chunk = next.getAndAdd(CHUNK)) < rows) {
          for (int r = chunk; r < Math.min(rows, chunk + CHUNK); r++) {
            int n = ptr[r + 1] - ptr[r];
            if (cg != null) {
              cg.solve(ptr[r], ptr[r + 1], cols, values, fixed, params.alpha(), target, r * f);
            } else if (n > 0 && n <= f / LOW_RANK_DIVISOR && params.alpha() > 0) {
              lowRank.solve(ptr[r], ptr[r + 1], cols, values, fixed, params.alpha(), target, r * f);
            } else {
              solveRow(r, ptr, cols, values, fixed, target, gram, params, a, b, solution, solver, scaled);
            }
          }
        }
      }));
    }
    for (Future<?> task : tasks) {
      try {
        task.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("training interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("training failed", e.getCause());
      }
    }
  }

  private static void solveRow(int r, int[] ptr, int[] cols, float[] values, float[] fixed, float[] target,
                               float[] gram, AlsParams params, FMatrixRMaj a, FMatrixRMaj b, FMatrixRMaj solution,
                               LinearSolverDense<FMatrixRMaj> solver, FMatrixRMaj scaled) {
    int f = params.factors();
    int from = ptr[r], to = ptr[r + 1];
    if (from == to) {
      java.util.Arrays.fill(target, r * f, r * f + f, 0f);
      return;
    }
    int n = to - from;
    System.arraycopy(gram, 0, a.data, 0, f * f);
    java.util.Arrays.fill(b.data, 0f);
    scaled.reshape(n, f);
    float[] v = scaled.data;
    float[] bd = b.data;
    for (int k = 0; k < n; k++) {
      double confidence = 1.0 + params.alpha() * values[from + k];
      double root = Math.sqrt(confidence - 1.0);
      int base = cols[from + k] * f;
      for (int i = 0; i < f; i++) {
        double yi = fixed[base + i];
        bd[i] += confidence * yi;
        v[k * f + i] = (float) (root * yi);
      }
    }
    addUpperGram(v, n, f, a.data);
    if (!solver.setA(a)) throw new IllegalStateException("normal equations not positive definite; raise regularization");
    solver.solve(b, solution);
    System.arraycopy(solution.data, 0, target, r * f, f);
  }

  /**
   * {@code c += v' v} on the upper triangle (then mirrored): v is n x f row-major. Half the work of a general
   * {@code multAddTransA}, which is what dominates training; the loop order lets the JIT vectorise the inner loop.
   */
  private static void addUpperGram(float[] v, int n, int f, float[] c) {
    VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
    int lanes = species.length();
    for (int i = 0; i < f; i++) {
      int row = i * f;
      int start = i - (i % lanes);
      for (int k = 0; k < n; k++) {
        int base = k * f;
        FloatVector vi = FloatVector.broadcast(species, v[base + i]);
        int j = start;
        for (; j <= f - lanes; j += lanes) {
          FloatVector acc = FloatVector.fromArray(species, c, row + j);
          vi.fma(FloatVector.fromArray(species, v, base + j), acc).intoArray(c, row + j);
        }
        float s = v[base + i];
        for (; j < f; j++) c[row + j] += s * v[base + j];
      }
    }
    for (int i = 1; i < f; i++) for (int j = 0; j < i; j++) c[i * f + j] = c[j * f + i];
  }


  /** {@code w = u b}: u is n x f, b is f x f, both row-major; each row of w is a sum of rows of b (vectorised). */
  private static void multiply(float[] u, int n, int f, float[] b, float[] w) {
    VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
    int lanes = species.length();
    java.util.Arrays.fill(w, 0, n * f, 0f);
    for (int k = 0; k < n; k++) {
      int row = k * f;
      for (int j = 0; j < f; j++) {
        float ukj = u[row + j];
        FloatVector scale = FloatVector.broadcast(species, ukj);
        int base = j * f, d = 0;
        for (; d <= f - lanes; d += lanes) {
          scale.fma(FloatVector.fromArray(species, b, base + d), FloatVector.fromArray(species, w, row + d)).intoArray(w, row + d);
        }
        for (; d < f; d++) w[row + d] += ukj * b[base + d];
      }
    }
  }

  /**
   * Solves {@code (B + U' D U) x = U' c} for a row with few ratings, where {@code B = F'F + lambda I} is shared by all
   * rows (its inverse computed once per half-iteration), U holds the n rated rows of F and D = diag(c - 1). By the
   * Woodbury identity {@code x = z - W' S^-1 U z} with {@code W = U B^-1}, {@code z = W' c}, {@code S = D^-1 + W U'}:
   * an n x n Cholesky solve instead of an f x f one. Same solution as {@link #solveRow}, up to rounding.
   */
  private static final class LowRankSolver {
    private final int f;
    private final FMatrixRMaj baseInverse;
    private final FMatrixRMaj u = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj w = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj s = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj c = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj z;
    private final FMatrixRMaj t = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj sol = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj correction;
    /** One n x n solver per size n, reused across rows. */
    @SuppressWarnings("unchecked")
    private final LinearSolverDense<FMatrixRMaj>[] solvers = new LinearSolverDense[1024];

    LowRankSolver(int f, FMatrixRMaj baseInverse) {
      this.f = f;
      this.baseInverse = baseInverse;
      this.z = new FMatrixRMaj(f, 1);
      this.correction = new FMatrixRMaj(f, 1);
    }

    void solve(int from, int to, int[] cols, float[] values, float[] fixed, double alpha, float[] target, int at) {
      int n = to - from;
      u.reshape(n, f);
      c.reshape(n, 1);
      for (int k = 0; k < n; k++) {
        System.arraycopy(fixed, cols[from + k] * f, u.data, k * f, f);
        c.data[k] = (float) (1.0 + alpha * values[from + k]);
      }
      w.reshape(n, f);
      multiply(u.data, n, f, baseInverse.data, w.data);
      CommonOps_FDRM.multTransA(w, c, z);
      s.reshape(n, n);
      CommonOps_FDRM.multTransB(w, u, s);
      for (int k = 0; k < n; k++) s.data[k * n + k] += 1.0 / (c.data[k] - 1.0);
      t.reshape(n, 1);
      CommonOps_FDRM.mult(u, z, t);
      if (solvers[n] == null) solvers[n] = LinearSolverFactory_FDRM.symmPosDef(n);
      LinearSolverDense<FMatrixRMaj> small = solvers[n];
      if (!small.setA(s)) throw new IllegalStateException("low-rank system not positive definite");
      sol.reshape(n, 1);
      small.solve(t, sol);
      CommonOps_FDRM.multTransA(w, sol, correction);
      for (int d = 0; d < f; d++) target[at + d] = z.data[d] - correction.data[d];
    }
  }

  /**
   * A few conjugate-gradient steps on one row's normal equations {@code A x = b}, {@code A = G + sum_k (c_k - 1) y_k
   * y_k'} with {@code G = F'F + lambda I} shared by all rows and {@code b = sum_k c_k y_k}, from the row's current
   * vector. {@code A p} is computed as {@code G p + sum_k (c_k - 1) (y_k . p) y_k}: O(f^2 + n f) per step, and A is
   * never formed. The implicit library's solver (Frederickson's), which also starts from {@code r = b - A x}.
   */
  private static final class ConjugateGradient {
    private final int f;
    private final float[] gram;
    private final int steps;
    private final float[] r, p, ap;
    private final float[] lanes = new float[FloatVector.SPECIES_PREFERRED.length()];

    ConjugateGradient(int f, float[] gram, int steps) {
      this.f = f;
      this.gram = gram;
      this.steps = steps;
      this.r = new float[f];
      this.p = new float[f];
      this.ap = new float[f];
    }

    void solve(int from, int to, int[] cols, float[] values, float[] fixed, double alpha, float[] x, int at) {
      if (from == to) {
        java.util.Arrays.fill(x, at, at + f, 0f);
        return;
      }
      // r = b - A x = sum_k (c_k - (c_k - 1) y_k.x) y_k - G x
      multiplyGram(x, at, r);
      for (int d = 0; d < f; d++) r[d] = -r[d];
      for (int k = from; k < to; k++) {
        int base = cols[k] * f;
        double confidence = 1.0 + alpha * values[k];
        float weight = (float) (confidence - (confidence - 1.0) * dot(fixed, base, x, at, f));
        axpy(weight, fixed, base, r, f);
      }
      System.arraycopy(r, 0, p, 0, f);
      double rsold = dot(r, 0, r, 0, f);
      for (int step = 0; step < steps && rsold > 1e-20; step++) {
        // ap = A p
        multiplyGram(p, 0, ap);
        for (int k = from; k < to; k++) {
          int base = cols[k] * f;
          axpy((float) (alpha * values[k] * dot(fixed, base, p, 0, f)), fixed, base, ap, f);
        }
        double pap = dot(p, 0, ap, 0, f);
        if (pap <= 0) break;
        float stepSize = (float) (rsold / pap);
        for (int d = 0; d < f; d++) {
          x[at + d] += stepSize * p[d];
          r[d] -= stepSize * ap[d];
        }
        double rsnew = dot(r, 0, r, 0, f);
        float beta = (float) (rsnew / rsold);
        for (int d = 0; d < f; d++) p[d] = r[d] + beta * p[d];
        rsold = rsnew;
      }
    }

    private double dot(float[] a, int ia, float[] b, int ib, int n) {
      return ImplicitAls.dot(a, ia, b, ib, n, lanes);
    }

    /** {@code out = G v[at..at+f)}. */
    private void multiplyGram(float[] v, int at, float[] out) {
      for (int i = 0; i < f; i++) out[i] = (float) dot(gram, i * f, v, at, f);
    }
  }

  /**
   * The dot product of {@code a[ia..ia+n)} and {@code b[ib..ib+n)}, vectorised. The accumulator's lanes are summed
   * through {@code lanes} in a fixed order: reduceLanes' order may differ between the interpreter and compiled code, and
   * the result must not depend on when the JIT runs (on the threads).
   */
  private static double dot(float[] a, int ia, float[] b, int ib, int n, float[] lanes) {
    VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
    int width = species.length();
    FloatVector acc = FloatVector.zero(species);
    int d = 0;
    for (; d <= n - width; d += width) acc = FloatVector.fromArray(species, a, ia + d).fma(FloatVector.fromArray(species, b, ib + d), acc);
    acc.intoArray(lanes, 0);
    float sum = 0;
    for (float lane : lanes) sum += lane;
    for (; d < n; d++) sum += a[ia + d] * b[ib + d];
    return sum;
  }

  /** {@code y += s x[ix..ix+n)} (vectorised). */
  private static void axpy(float s, float[] x, int ix, float[] y, int n) {
    VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
    int lanes = species.length();
    FloatVector scale = FloatVector.broadcast(species, s);
    int d = 0;
    for (; d <= n - lanes; d += lanes) scale.fma(FloatVector.fromArray(species, x, ix + d), FloatVector.fromArray(species, y, d)).intoArray(y, d);
    for (; d < n; d++) y[d] += s * x[ix + d];
  }

  /** F'F, the Gram matrix of a factor matrix (rows x f, row-major). */
  private static float[] gram(float[] factors, int f) {
    float[] g = new float[f * f];
    addUpperGram(factors, factors.length / f, f, g);
    return g;
  }


  /**
   * The implicit ALS objective: sum over all (u,i) of c_ui (p_ui - x_u.y_i)^2 plus lambda (|X|^2 + |Y|^2),
   * computed as sum_u x_u' (Y'Y) x_u plus a correction over observed entries. Users are summed in parallel, in
   * fixed chunks added in order, so the value does not depend on the threads.
   */
  private static double loss(ExecutorService pool, Interactions data, float[] x, float[] y, AlsParams params) {
    int f = params.factors();
    float[] g = gram(y, f);
    int chunk = 4096;
    List<Future<Double>> parts = new ArrayList<>();
    for (int from = 0; from < data.users(); from += chunk) {
      int start = from, end = Math.min(data.users(), from + chunk);
      parts.add(pool.submit(() -> userLoss(data, x, y, g, params, start, end)));
    }
    double total = 0;
    for (Future<Double> part : parts) {
      try {
        total += part.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("training interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("training failed", e.getCause());
      }
    }
    double norms = 0;
    for (float v : x) norms += v * v;
    for (float v : y) norms += v * v;
    return total + params.regularization() * norms;
  }

  private static double userLoss(Interactions data, float[] x, float[] y, float[] g, AlsParams params, int from, int to) {
    int f = params.factors();
    float[] lanes = new float[FloatVector.SPECIES_PREFERRED.length()];
    double total = 0;
    for (int u = from; u < to; u++) {
      int base = u * f;
      for (int i = 0; i < f; i++) total += x[base + i] * dot(g, i * f, x, base, f, lanes);
      for (int k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
        double s = dot(x, base, y, data.userItems[k] * f, f, lanes);
        double c = 1.0 + params.alpha() * data.userValues[k];
        total += c * (1 - s) * (1 - s) - s * s;
      }
    }
    return total;
  }

}

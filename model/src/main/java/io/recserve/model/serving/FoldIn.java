package io.recserve.model.serving;

import io.recserve.model.als.AlsParams;
import io.recserve.model.store.MovieVectors;
import java.util.Arrays;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.decomposition.TriangularSolver_FDRM;
import org.ejml.dense.row.factory.DecompositionFactory_FDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F32;

/**
 * A vector for a user the model version does not know, from that user's ratings: the user half-step of implicit ALS
 * against the version's movie vectors Y (as Oryx's {@code recommendToAnonymous} and the {@code implicit} library's
 * {@code recalculate_user} do). With confidence {@code c_j = 1 + alpha * r_j} (the raw rating, as
 * {@link io.recserve.model.als.ImplicitAls} uses it) and {@code p_j = 1} on the rated movies j:
 *
 * <pre>
 *   x = (Y'Y + Y'(C - I)Y + lambda I)^-1 Y' C p
 *     = (G + sum_j (c_j - 1) y_j y_j')^-1 sum_j c_j y_j,       G = Y'Y + lambda I
 * </pre>
 *
 * which is exactly the system training solves for each user row. G is computed once, when the instance is built for a
 * model version; each fold-in adds the rank-k correction over the user's k known rated movies (k f^2 / 2 multiply-adds)
 * and solves the f x f system by Cholesky (EJML). Movie ids the version does not know are left out and reported in
 * {@link Result#unknown()}; with no known rating the vector is zero (as training leaves a row with no rating).
 *
 * <p>For a user the model knows, folding in the user's training ratings is one more user half-step against the final
 * Y. Training ({@link io.recserve.model.als.ImplicitAls}) solves users, then movies, in each iteration, so the stored
 * user vector was solved against the previous iteration's Y: the two agree as far as Y has converged (on
 * ml-latest-small with the project's settings, cosine above 0.9997 and 9 or 10 of the same top 10). Against that
 * previous Y the fold-in gives back the stored vector to float rounding.
 *
 * <p>Instances are immutable and safe for concurrent fold-ins: every call works in its own scratch arrays. The movie
 * vectors are used in place, not copied; they must not change afterwards.
 */
public final class FoldIn {
  private final int factors;
  private final int[] ids;
  private final float[] y;
  /** Y'Y + lambda I, both triangles; never written after construction. */
  private final float[] gram;
  private final double alpha;
  private final double regularization;

  private FoldIn(MovieVectors movies, double alpha, double regularization) {
    if (!(alpha >= 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("alpha must be finite and not negative");
    if (!(regularization >= 0) || Double.isInfinite(regularization)) throw new IllegalArgumentException("regularization must be finite and not negative");
    this.factors = movies.factors();
    this.ids = movies.ids();
    this.y = movies.vectors();
    this.alpha = alpha;
    this.regularization = regularization;
    if (y.length != ids.length * factors) throw new IllegalArgumentException("movie vectors hold " + y.length + " floats, not " + ids.length + " x " + factors);
    for (int i = 1; i < ids.length; i++) {
      if (ids[i] <= ids[i - 1]) throw new IllegalArgumentException("movie ids must be sorted ascending without repeats (at index " + i + ")");
    }
    this.gram = gram(y, ids.length, factors, regularization);
    // Fails now, not at the first request, when the model cannot give a positive-definite system (lambda 0, few movies).
    if (!DecompositionFactory_FDRM.chol(factors, true).decompose(FMatrixRMaj.wrap(factors, factors, gram.clone()))) {
      throw new IllegalStateException("Y'Y + lambda I is not positive definite; the model needs regularization");
    }
  }

  /** For one model version: its movie vectors and the alpha and regularization it was trained with. */
  public static FoldIn of(MovieVectors movies, AlsParams params) {
    if (params.factors() != movies.factors()) {
      throw new IllegalArgumentException("parameters say " + params.factors() + " factors, movie vectors have " + movies.factors());
    }
    return new FoldIn(movies, params.alpha(), params.regularization());
  }

  public static FoldIn of(MovieVectors movies, double alpha, double regularization) {
    return new FoldIn(movies, alpha, regularization);
  }

  /**
   * A folded-in user.
   *
   * @param vector   the user's vector (length {@code factors}); zero when no rated movie is known
   * @param excluded the rated movies the model knows, ascending: the ones to leave out of recommendations
   * @param unknown  the rated movies the model does not know, ascending, without repeats: ignored by the fold-in
   */
  public record Result(float[] vector, int[] excluded, int[] unknown) {
    /** True when no rated movie was known: the vector is zero and ranks nothing. */
    public boolean empty() {
      return excluded.length == 0;
    }
  }

  /**
   * Folds in a user's ratings, {@code ratings[k]} being the rating of {@code movieIds[k]}.
   *
   * @throws IllegalArgumentException when the arrays differ in length, a movie appears twice, or a rating is negative
   *                                  or not finite (training's confidence {@code 1 + alpha r} needs {@code r >= 0})
   */
  public Result foldIn(int[] movieIds, float[] ratings) {
    Solved s = solve(movieIds, ratings);
    return new Result(s.vector, s.excluded, s.unknown);
  }

  public int factors() {
    return factors;
  }

  public double alpha() {
    return alpha;
  }

  public double regularization() {
    return regularization;
  }

  /** Position of a movie in the version's vectors, or a negative number when the version does not know it. */
  int indexOf(int movieId) {
    return Arrays.binarySearch(ids, movieId);
  }

  /** The version's movie vectors, row-major in id order, shared in place: never written. */
  float[] vectors() {
    return y;
  }

  /**
   * A solved fold-in with what explanations need: the known rated movies (model positions, ascending, the same order
   * as {@code excluded}), their confidences, and the lower Cholesky factor L of the system matrix
   * {@code A = L L'} (row-major f x f; only the lower triangle is meaningful). Empty {@code known}: L is null.
   */
  record Solved(int[] known, float[] confidence, float[] lower, float[] vector, int[] excluded, int[] unknown) {}

  Solved solve(int[] movieIds, float[] ratings) {
    if (movieIds.length != ratings.length) {
      throw new IllegalArgumentException(movieIds.length + " movie ids but " + ratings.length + " ratings");
    }
    int n = movieIds.length;
    // (model index or ~position of an unknown id, position in the input), sorted so repeats sit side by side
    int[] sortedIds = movieIds.clone();
    Arrays.sort(sortedIds);
    for (int k = 1; k < n; k++) {
      if (sortedIds[k] == sortedIds[k - 1]) throw new IllegalArgumentException("movie " + sortedIds[k] + " rated more than once");
    }
    long[] knownAt = new long[n];
    int known = 0, unknown = 0;
    int[] unknownIds = new int[n];
    for (int k = 0; k < n; k++) {
      float r = ratings[k];
      if (!(r >= 0) || Float.isInfinite(r)) throw new IllegalArgumentException("rating of movie " + movieIds[k] + " is " + r + "; it must be finite and not negative");
      int index = indexOf(movieIds[k]);
      if (index < 0) unknownIds[unknown++] = movieIds[k];
      else knownAt[known++] = ((long) index << 32) | k;
    }
    Arrays.sort(knownAt, 0, known);
    unknownIds = Arrays.copyOf(unknownIds, unknown);
    Arrays.sort(unknownIds);
    int f = factors;
    int[] indices = new int[known];
    int[] excluded = new int[known];
    float[] confidence = new float[known];
    float[] b = new float[f];
    float[] u = new float[known * f];
    float[] weight = new float[known];
    for (int k = 0; k < known; k++) {
      int index = (int) (knownAt[k] >>> 32);
      int at = (int) knownAt[k];
      indices[k] = index;
      excluded[k] = ids[index];
      double c = 1.0 + alpha * ratings[at];
      confidence[k] = (float) c;
      weight[k] = (float) (c - 1.0);
      int base = index * f;
      System.arraycopy(y, base, u, k * f, f);
      for (int d = 0; d < f; d++) b[d] += (float) (c * y[base + d]);
    }
    if (known == 0) return new Solved(indices, confidence, null, new float[f], excluded, unknownIds);
    float[] a = gram.clone();
    addWeightedGram(a, u, weight, known, f);
    CholeskyDecomposition_F32<FMatrixRMaj> cholesky = DecompositionFactory_FDRM.chol(f, true);
    if (!cholesky.decompose(FMatrixRMaj.wrap(f, f, a))) {
      throw new IllegalStateException("fold-in system not positive definite; the model needs regularization");
    }
    float[] lower = cholesky.getT(null).data;
    TriangularSolver_FDRM.solveL(lower, b, f);
    TriangularSolver_FDRM.solveTranL(lower, b, f);
    return new Solved(indices, confidence, lower, b, excluded, unknownIds);
  }

  /**
   * {@code a += sum_k w_k u_k u_k'} for the n rows u_k of u (row-major n x f): the upper triangle, four rows at a time
   * so each pass over a row of {@code a} does four multiply-adds per element (the JIT vectorises the inner loop), then
   * mirrored.
   */
  private static void addWeightedGram(float[] a, float[] u, float[] w, int n, int f) {
    for (int i = 0; i < f; i++) {
      int row = i * f;
      int k = 0;
      for (; k + 4 <= n; k += 4) {
        int b0 = k * f, b1 = b0 + f, b2 = b1 + f, b3 = b2 + f;
        float v0 = w[k] * u[b0 + i], v1 = w[k + 1] * u[b1 + i], v2 = w[k + 2] * u[b2 + i], v3 = w[k + 3] * u[b3 + i];
        for (int j = i; j < f; j++) a[row + j] += v0 * u[b0 + j] + v1 * u[b1 + j] + v2 * u[b2 + j] + v3 * u[b3 + j];
      }
      for (; k < n; k++) {
        int b0 = k * f;
        float v0 = w[k] * u[b0 + i];
        for (int j = i; j < f; j++) a[row + j] += v0 * u[b0 + j];
      }
    }
    for (int i = 1; i < f; i++) for (int j = 0; j < i; j++) a[i * f + j] = a[j * f + i];
  }

  /** Y'Y + lambda I for n rows of f floats, summed in double, both triangles. */
  private static float[] gram(float[] y, int n, int f, double lambda) {
    double[] g = new double[f * f];
    for (int k = 0; k < n; k++) {
      int base = k * f;
      for (int i = 0; i < f; i++) {
        double v = y[base + i];
        int row = i * f;
        for (int j = i; j < f; j++) g[row + j] += v * y[base + j];
      }
    }
    float[] out = new float[f * f];
    for (int i = 0; i < f; i++) {
      for (int j = i; j < f; j++) {
        float v = (float) (g[i * f + j] + (i == j ? lambda : 0));
        out[i * f + j] = v;
        out[j * f + i] = v;
      }
    }
    return out;
  }
}

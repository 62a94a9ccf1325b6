package io.recserve.model.serving;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.dense.row.decomposition.TriangularSolver_FDRM;

/**
 * Why a movie is recommended to a folded-in user: the rated movies that contribute most to its predicted preference
 * (Hu, Koren and Volinsky 2008, section 5). With {@code W = (Y'C Y + lambda I)^-1}, the inverse of the matrix
 * {@link FoldIn} solves, the user's vector is {@code x = W Y'C p}, so the predicted preference for movie i splits
 * exactly over the user's rated movies j:
 *
 * <pre>
 *   p_i = y_i' x = sum_j s_ij c_j p_j,        s_ij = y_i' W y_j,   c_j = 1 + alpha r_j,   p_j = 1
 * </pre>
 *
 * The contribution of rated movie j is {@code s_ij c_j}; the reasons given for i are its largest positive
 * contributions. {@code W y_i} comes from the Cholesky factor of the fold-in (two triangular solves), so explaining
 * one movie costs {@code f^2 + k f} for k known rated movies.
 *
 * <p>An instance belongs to one user's ratings on one model version and is immutable; it may be shared between threads.
 * Contributions decompose the fold-in vector, which for a user the model knows is close to, but not exactly, the trained
 * vector (see {@link FoldIn}).
 */
public final class Explanations {
  /** Reasons per recommendation when none is asked for. */
  public static final int DEFAULT_REASONS = 2;

  private final FoldIn foldIn;
  private final FoldIn.Solved solved;

  /** A rated movie and its share {@code s_ij c_j} of the recommended movie's predicted preference. */
  public record Reason(int movieId, double contribution) {}

  /**
   * A recommended movie, its predicted preference {@code y_i' x} for the folded-in user, and the rated movies that
   * contribute most to it, largest first (positive contributions only; ties by movie id).
   */
  public record Explanation(int movieId, double score, List<Reason> because) {
    public Explanation {
      because = List.copyOf(because);
    }
  }

  private Explanations(FoldIn foldIn, FoldIn.Solved solved) {
    this.foldIn = foldIn;
    this.solved = solved;
  }

  /** Folds in a user's ratings (as {@link FoldIn#foldIn}, with the same checks) and keeps what explaining needs. */
  public static Explanations of(FoldIn foldIn, int[] movieIds, float[] ratings) {
    return new Explanations(foldIn, foldIn.solve(movieIds, ratings));
  }

  /** The fold-in these explanations decompose. */
  public FoldIn.Result foldIn() {
    return new FoldIn.Result(solved.vector().clone(), solved.excluded().clone(), solved.unknown().clone());
  }

  /**
   * Every known rated movie's contribution {@code s_ij c_j} to movie i's predicted preference, in the order of
   * {@code foldIn().excluded()} (ascending movie id). They sum to {@code y_i' x}.
   *
   * @throws IllegalArgumentException when the model version does not know the movie
   */
  public double[] contributions(int movieId) {
    int item = foldIn.indexOf(movieId);
    if (item < 0) throw new IllegalArgumentException("movie " + movieId + " is not in this model version");
    int f = foldIn.factors();
    int[] known = solved.known();
    double[] out = new double[known.length];
    if (known.length == 0) return out;
    float[] y = foldIn.vectors();
    float[] w = Arrays.copyOfRange(y, item * f, item * f + f);
    TriangularSolver_FDRM.solveL(solved.lower(), w, f);
    TriangularSolver_FDRM.solveTranL(solved.lower(), w, f);
    for (int k = 0; k < known.length; k++) {
      int base = known[k] * f;
      double s = 0;
      for (int d = 0; d < f; d++) s += (double) w[d] * y[base + d];
      out[k] = s * solved.confidence()[k];
    }
    return out;
  }

  /** The predicted preference {@code y_i' x} of the folded-in user for a movie. */
  public double score(int movieId) {
    int item = foldIn.indexOf(movieId);
    if (item < 0) throw new IllegalArgumentException("movie " + movieId + " is not in this model version");
    int f = foldIn.factors();
    float[] y = foldIn.vectors();
    float[] x = solved.vector();
    double s = 0;
    for (int d = 0; d < f; d++) s += (double) x[d] * y[item * f + d];
    return s;
  }

  /**
   * The movie's score and up to {@code reasons} rated movies with the largest positive contributions.
   *
   * @throws IllegalArgumentException when the model version does not know the movie, or reasons is negative
   */
  public Explanation explain(int movieId, int reasons) {
    if (reasons < 0) throw new IllegalArgumentException("reasons must not be negative");
    double[] contributions = contributions(movieId);
    int[] excluded = solved.excluded();
    List<Reason> because = new ArrayList<>(reasons);
    boolean[] taken = new boolean[contributions.length];
    for (int r = 0; r < reasons; r++) {
      int best = -1;
      // ids are ascending, so a strict comparison keeps the smaller id on ties
      for (int k = 0; k < contributions.length; k++) {
        if (!taken[k] && contributions[k] > 0 && (best < 0 || contributions[k] > contributions[best])) best = k;
      }
      if (best < 0) break;
      taken[best] = true;
      because.add(new Reason(excluded[best], contributions[best]));
    }
    return new Explanation(movieId, score(movieId), because);
  }

  /** {@link #explain(int, int)} for each recommended movie, in the given order. */
  public List<Explanation> explain(int[] recommended, int reasons) {
    List<Explanation> out = new ArrayList<>(recommended.length);
    for (int movieId : recommended) out.add(explain(movieId, reasons));
    return out;
  }

  /** {@link #explain(int[], int)} with {@link #DEFAULT_REASONS} reasons each. */
  public List<Explanation> explain(int[] recommended) {
    return explain(recommended, DEFAULT_REASONS);
  }
}

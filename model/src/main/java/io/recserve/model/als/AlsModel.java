package io.recserve.model.als;

/** Learnt factors: row-major {@code users x factors} and {@code items x factors}, indexed as in {@link Interactions}. */
public record AlsModel(Interactions data, int factors, float[] userFactors, float[] itemFactors) {
  /** The model's preference of a user for an item: the dot product of their factors. */
  public double score(int userIndex, int itemIndex) {
    double s = 0;
    int u = userIndex * factors, i = itemIndex * factors;
    for (int f = 0; f < factors; f++) s += userFactors[u + f] * itemFactors[i + f];
    return s;
  }

  /** Scores of a user for every item, into {@code out}. */
  public void scores(int userIndex, double[] out) {
    for (int i = 0; i < out.length; i++) out[i] = score(userIndex, i);
  }
}

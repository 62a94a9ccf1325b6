package io.recserve.model.eval;

import java.util.PriorityQueue;

/** The indices of the k largest scores, best first, skipping excluded indices. */
public final class TopK {
  private TopK() {}

  public static int[] of(double[] scores, int k, boolean[] excluded) {
    PriorityQueue<Integer> heap = new PriorityQueue<>(k + 1, (a, b) -> {
      int c = Double.compare(scores[a], scores[b]);
      return c != 0 ? c : Integer.compare(b, a);
    });
    for (int i = 0; i < scores.length; i++) {
      if (excluded != null && excluded[i]) continue;
      heap.offer(i);
      if (heap.size() > k) heap.poll();
    }
    int[] out = new int[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) out[i] = heap.poll();
    return out;
  }
}

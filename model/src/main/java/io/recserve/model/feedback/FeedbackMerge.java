package io.recserve.model.feedback;

import io.recserve.model.movielens.Ratings;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Ratings with feedback applied in order: a rating replaces the same user's rating of the same movie, a removal drops it. */
public final class FeedbackMerge {
  private FeedbackMerge() {}

  /** The imported ratings with every feedback applied: what training learns from. */
  public static Ratings apply(Ratings imported, List<Feedback> feedback) {
    if (feedback.isEmpty()) return imported;
    Map<Long, Feedback> last = new LinkedHashMap<>();
    Set<Integer> users = new HashSet<>();
    for (Feedback f : feedback) {
      last.put(key(f.userId(), f.movieId()), f);
      users.add(f.userId());
    }
    Ratings merged = new Ratings(imported.size() + last.size());
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < imported.size(); i++) {
      int user = imported.user(i);
      if (!users.contains(user)) {
        merged.add(user, imported.movie(i), imported.rating(i), imported.time(i));
        continue;
      }
      long k = key(user, imported.movie(i));
      Feedback f = last.get(k);
      if (f == null) {
        merged.add(user, imported.movie(i), imported.rating(i), imported.time(i));
      } else if (!f.removal() && seen.add(k)) {
        merged.add(user, f.movieId(), f.rating(), f.ratedAt());
      }
    }
    for (Map.Entry<Long, Feedback> e : last.entrySet()) {
      Feedback f = e.getValue();
      if (!f.removal() && seen.add(e.getKey())) merged.add(f.userId(), f.movieId(), f.rating(), f.ratedAt()); // a new pair
    }
    return merged;
  }

  /** One user's ratings, {@code movies}/{@code ratings} (parallel), with the user's feedback applied in order. */
  public static Map<Integer, Float> apply(int[] movies, float[] ratings, List<Feedback> feedback) {
    Map<Integer, Float> out = new HashMap<>(movies.length + feedback.size());
    for (int i = 0; i < movies.length; i++) out.put(movies[i], ratings[i]);
    for (Feedback f : feedback) {
      if (f.removal()) out.remove(f.movieId());
      else out.put(f.movieId(), f.rating());
    }
    return out;
  }

  private static long key(int user, int movie) {
    return ((long) user << 32) | (movie & 0xffffffffL);
  }
}

package io.recserve.model.als;

import io.recserve.model.movielens.Ratings;
import java.util.Arrays;

/**
 * The user-item rating matrix in compressed rows both ways (by user and by item), with external ids mapped to dense
 * indices. Only items with at least one rating take part.
 */
public final class Interactions {
  final int[] userIds;
  final int[] itemIds;
  final int[] userPtr;
  final int[] userItems;
  final float[] userValues;
  final int[] itemPtr;
  final int[] itemUsers;
  final float[] itemValues;

  private Interactions(int[] userIds, int[] itemIds, int[] userPtr, int[] userItems, float[] userValues,
                       int[] itemPtr, int[] itemUsers, float[] itemValues) {
    this.userIds = userIds;
    this.itemIds = itemIds;
    this.userPtr = userPtr;
    this.userItems = userItems;
    this.userValues = userValues;
    this.itemPtr = itemPtr;
    this.itemUsers = itemUsers;
    this.itemValues = itemValues;
  }

  public static Interactions of(Ratings ratings) {
    int n = ratings.size();
    int[] users = new int[n];
    int[] items = new int[n];
    for (int i = 0; i < n; i++) {
      users[i] = ratings.user(i);
      items[i] = ratings.movie(i);
    }
    int[] userIds = sortedUnique(users);
    int[] itemIds = sortedUnique(items);
    int[] u = new int[n];
    int[] it = new int[n];
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      u[i] = Arrays.binarySearch(userIds, ratings.user(i));
      it[i] = Arrays.binarySearch(itemIds, ratings.movie(i));
      v[i] = ratings.rating(i);
    }
    int[] userPtr = new int[userIds.length + 1];
    int[] userItems = new int[n];
    float[] userValues = new float[n];
    compress(u, it, v, userPtr, userItems, userValues);
    int[] itemPtr = new int[itemIds.length + 1];
    int[] itemUsers = new int[n];
    float[] itemValues = new float[n];
    compress(it, u, v, itemPtr, itemUsers, itemValues);
    return new Interactions(userIds, itemIds, userPtr, userItems, userValues, itemPtr, itemUsers, itemValues);
  }

  private static void compress(int[] rows, int[] cols, float[] vals, int[] ptr, int[] outCols, float[] outVals) {
    for (int r : rows) ptr[r + 1]++;
    for (int i = 1; i < ptr.length; i++) ptr[i] += ptr[i - 1];
    int[] fill = Arrays.copyOf(ptr, ptr.length - 1);
    for (int i = 0; i < rows.length; i++) {
      int at = fill[rows[i]]++;
      outCols[at] = cols[i];
      outVals[at] = vals[i];
    }
  }

  private static int[] sortedUnique(int[] values) {
    int[] copy = values.clone();
    Arrays.sort(copy);
    int n = 0;
    for (int i = 0; i < copy.length; i++) if (i == 0 || copy[i] != copy[i - 1]) copy[n++] = copy[i];
    return Arrays.copyOf(copy, n);
  }

  public int users() { return userIds.length; }
  public int items() { return itemIds.length; }
  public int size() { return userItems.length; }
  public int userId(int index) { return userIds[index]; }
  public int itemId(int index) { return itemIds[index]; }
  /** Dense index of an external user id, or a negative number when the user has no rating. */
  public int userIndex(int userId) { return Arrays.binarySearch(userIds, userId); }
  /** Dense index of an external item id, or a negative number when the item has no rating. */
  public int itemIndex(int itemId) { return Arrays.binarySearch(itemIds, itemId); }

  /** Dense item indices the user rated. */
  /** The values (ratings) of {@link #itemsOf}'s entries, in the same order. */
  public float[] valuesOf(int userIndex) {
    return Arrays.copyOfRange(userValues, userPtr[userIndex], userPtr[userIndex + 1]);
  }

  public int[] itemsOf(int userIndex) {
    return Arrays.copyOfRange(userItems, userPtr[userIndex], userPtr[userIndex + 1]);
  }

  /** Number of ratings per item, by dense item index. */
  public int[] itemCounts() {
    int[] counts = new int[itemIds.length];
    for (int i = 0; i < counts.length; i++) counts[i] = itemPtr[i + 1] - itemPtr[i];
    return counts;
  }
}

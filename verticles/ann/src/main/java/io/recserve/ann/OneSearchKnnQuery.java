package io.recserve.ann;

import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;

/**
 * A kNN query made for one search, equal only to itself: two searches for the same vector may leave out or accept
 * different movies, which Lucene's equality (field, vector, k, filter) does not always see.
 */
abstract class OneSearchKnnQuery extends KnnFloatVectorQuery {
  OneSearchKnnQuery(String field, float[] target, int k) {
    super(field, target, k);
  }

  OneSearchKnnQuery(String field, float[] target, int k, Query filter) {
    super(field, target, k, filter);
  }

  @Override
  public final boolean equals(Object other) {
    return this == other;
  }

  @Override
  public final int hashCode() {
    return System.identityHashCode(this);
  }
}

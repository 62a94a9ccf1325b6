package io.recserve.ann;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.knn.KnnCollectorManager;
import org.apache.lucene.util.Bits;

/**
 * A kNN query over every document but a few: the movies a user rated, or the movie whose neighbours are asked for.
 * Lucene's filter path turns any filter query into a bitset of the whole index and counts it, on every search: at a
 * million movies that was a third of a search's cost, for fifty excluded movies. Here the HNSW walk asks a sorted array
 * of the excluded doc ids instead, so the cost of leaving them out does not grow with the catalogue. Lucene has no
 * exact-search fallback on this path, so {@link MovieIndex} uses it only while the excluded ids are a small part of the
 * index, where the walk always finds k.
 */
final class ExcludingKnnQuery extends OneSearchKnnQuery {
  /** Top-level doc ids, sorted. */
  private final int[] excluded;

  ExcludingKnnQuery(String field, float[] target, int k, int[] excludedDocs) {
    super(field, target, k);
    this.excluded = excludedDocs;
  }

  @Override
  protected TopDocs approximateSearch(LeafReaderContext context, AcceptDocs acceptDocs, int visitedLimit,
                                      KnnCollectorManager collectors) throws IOException {
    Bits live = acceptDocs.bits();
    int base = context.docBase;
    int maxDoc = context.reader().maxDoc();
    Bits accepted = new Bits() {
      @Override
      public boolean get(int doc) {
        return (live == null || live.get(doc)) && Arrays.binarySearch(excluded, base + doc) < 0;
      }

      @Override
      public int length() {
        return maxDoc;
      }
    };
    return super.approximateSearch(context, AcceptDocs.fromLiveDocs(accepted, maxDoc), visitedLimit, collectors);
  }
}

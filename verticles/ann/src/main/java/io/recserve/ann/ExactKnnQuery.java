package io.recserve.ann;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.knn.KnnCollectorManager;

/**
 * A kNN query answered by Lucene's exact search over the movies {@code filter} accepts, without the HNSW walk. With a
 * filter, Lucene walks the graph first and searches exactly only when the walk visits more movies than the filter
 * accepts. A user who rated a large part of the catalogue (MovieLens has users with 2,698 of 9,742 movies) sends the
 * walk far around the graph before it finds ten unrated movies: 1.1–1.4 ms a search, where an exact pass over the
 * accepted movies costs a fraction of that. {@link MovieIndex} uses this query while the accepted movies are few
 * enough for an exact pass to be cheap.
 */
final class ExactKnnQuery extends OneSearchKnnQuery {
  private static final TopDocs NOT_SEARCHED = new TopDocs(new TotalHits(0, TotalHits.Relation.EQUAL_TO), new ScoreDoc[0]);

  ExactKnnQuery(String field, float[] target, int k, Query filter) {
    super(field, target, k, filter);
  }

  /** No walk: fewer than k hits, so Lucene goes on to its exact search over the accepted movies. */
  @Override
  protected TopDocs approximateSearch(LeafReaderContext context, AcceptDocs acceptDocs, int visitedLimit, KnnCollectorManager collectors) {
    return NOT_SEARCHED;
  }
}

package io.recserve.ann;

import java.io.IOException;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.FixedBitSet;

/**
 * A kNN filter matching the documents set in a bitset of top-level doc ids. {@link MovieIndex} knows every movie's
 * doc id, so it builds "all but the movies this user rated" directly, and Lucene's filtered HNSW search takes the
 * bitset as it is, instead of evaluating a point-in-set exclusion over the whole index for every request.
 */
final class AcceptedDocsQuery extends Query {
  private final FixedBitSet accepted;

  AcceptedDocsQuery(FixedBitSet accepted) {
    this.accepted = accepted;
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
        int maxDoc = context.reader().maxDoc();
        FixedBitSet leaf;
        if (context.docBase == 0 && maxDoc == accepted.length()) {
          leaf = accepted;
        } else {
          leaf = new FixedBitSet(maxDoc);
          for (int doc = accepted.nextSetBit(context.docBase); doc != BitSetIterator.NO_MORE_DOCS && doc < context.docBase + maxDoc;
               doc = doc + 1 < accepted.length() ? accepted.nextSetBit(doc + 1) : BitSetIterator.NO_MORE_DOCS) {
            leaf.set(doc - context.docBase);
          }
        }
        return new DefaultScorerSupplier(new ConstantScoreScorer(score(), scoreMode, new BitSetIterator(leaf, leaf.cardinality())));
      }

      @Override
      public boolean isCacheable(LeafReaderContext context) {
        return false;
      }
    };
  }

  @Override
  public String toString(String field) {
    return "AcceptedDocs(" + accepted.cardinality() + ")";
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}

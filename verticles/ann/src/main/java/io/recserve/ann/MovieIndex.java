package io.recserve.ann;

import io.recserve.model.Progress;
import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.FixedBitSet;

/**
 * The HNSW index of one model version's movie vectors, scored by maximum inner product (the raw ALS preference).
 * Built once into its own folder, then opened read-only; the searcher is thread-safe and never refreshed, since a
 * version never changes. Reference-counted so a retired version closes only after its last search.
 */
public final class MovieIndex implements AutoCloseable {
  static final String VECTOR = "vector";
  static final String MOVIE_ID = "movie_id";
  static final String POSITION = "position";

  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final int[] docToPosition;
  private final int[] positionToDoc;
  private final JsonObject[] movies;
  private final int[] movieIds;

  private MovieIndex(DirectoryReader reader, MovieVectors vectors) throws IOException {
    this.reader = reader;
    this.searcher = new IndexSearcher(reader);
    this.docToPosition = new int[reader.maxDoc()];
    this.positionToDoc = new int[vectors.size()];
    for (LeafReaderContext leaf : reader.leaves()) {
      NumericDocValues positions = leaf.reader().getNumericDocValues(POSITION);
      for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
        if (positions.advanceExact(doc)) {
          int position = (int) positions.longValue();
          docToPosition[leaf.docBase + doc] = position;
          positionToDoc[position] = leaf.docBase + doc;
        }
      }
    }
    this.movieIds = vectors.ids();
    this.movies = new JsonObject[vectors.size()];
    for (int i = 0; i < movies.length; i++) {
      Movie m = vectors.movies().get(i);
      movies[i] = new JsonObject().put("movie_id", m.id()).put("title", m.title()).put("genres", new JsonArray(m.genres()));
    }
  }

  /** Opens the index in {@code dir}, building it there first if it is not complete yet. */
  public static MovieIndex openOrBuild(Path dir, MovieVectors vectors, int maxConn, int beamWidth, PrintStream log) throws IOException {
    if (!Files.isDirectory(dir)) build(dir, vectors, maxConn, beamWidth, log);
    return new MovieIndex(DirectoryReader.open(FSDirectory.open(dir)), vectors);
  }

  private static void build(Path dir, MovieVectors vectors, int maxConn, int beamWidth, PrintStream log) throws IOException {
    Files.createDirectories(dir.getParent());
    Path staging = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".building-");
    IndexWriterConfig config = new IndexWriterConfig()
        .setCodec(new Lucene104Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return new Lucene99HnswVectorsFormat(maxConn, beamWidth);
          }
        })
        .setRAMBufferSizeMB(512)
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    try (FSDirectory directory = FSDirectory.open(staging);
         IndexWriter writer = new IndexWriter(directory, config);
         Progress progress = Progress.lines("ann index build", "movies", vectors.size(), log)) {
      int f = vectors.factors();
      for (int i = 0; i < vectors.size(); i++) {
        Document doc = new Document();
        doc.add(new KnnFloatVectorField(VECTOR, vectors.vector(i), VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
        doc.add(new IntField(MOVIE_ID, vectors.ids()[i], Field.Store.NO));
        doc.add(new NumericDocValuesField(POSITION, i));
        writer.addDocument(doc);
        progress.advance(1);
      }
      writer.forceMerge(1);
      writer.commit();
      if (f == 0) throw new IOException("model has no factors");
    }
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One found movie: its metadata object and its score in (0, 1). */
  public record Hit(JsonObject movie, double score) {}

  /**
   * The k movies with the highest inner product with {@code vector}, leaving out {@code exclude} inside the HNSW walk
   * (Lucene falls back to exact search when the filter leaves few candidates), so k come back whenever k remain.
   */
  public Hit[] search(float[] vector, int k, int[] exclude) throws IOException {
    if (!reader.tryIncRef()) throw new IOException("index closed");
    try {
      Query filter = exclude.length == 0 ? null : allBut(exclude);
      TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, vector, k, filter), k);
      Hit[] hits = new Hit[top.scoreDocs.length];
      for (int i = 0; i < hits.length; i++) {
        ScoreDoc d = top.scoreDocs[i];
        hits[i] = new Hit(movies[docToPosition[d.doc]], score(d.score));
      }
      return hits;
    } finally {
      reader.decRef();
    }
  }

  /** Every movie but the excluded ids (ids the model does not know are ignored). */
  private Query allBut(int[] exclude) {
    FixedBitSet accepted = new FixedBitSet(reader.maxDoc());
    accepted.set(0, reader.maxDoc());
    for (int id : exclude) {
      int position = Arrays.binarySearch(movieIds, id);
      if (position >= 0) accepted.clear(positionToDoc[position]);
    }
    return new AcceptedDocsQuery(accepted);
  }

  /**
   * Lucene scores maximum inner product d as 1 + d for d >= 0 and 1 / (1 - d) below; s / (1 + s) maps that onto
   * (0, 1) keeping the order: 0.5 at d = 0, rising towards 1 as the preference grows.
   */
  static double score(float luceneScore) {
    return luceneScore / (1.0 + luceneScore);
  }

  public int size() {
    return movieIds.length;
  }

  @Override
  public void close() throws IOException {
    reader.decRef();
  }
}

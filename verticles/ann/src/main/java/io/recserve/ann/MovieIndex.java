package io.recserve.ann;

import io.recserve.model.Progress;
import io.recserve.serving.MovieCatalogue;
import io.recserve.model.store.MovieVectors;
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
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.FixedBitSet;

/**
 * The HNSW index of one model version's movie vectors, scored by maximum inner product (the raw ALS preference).
 * Built once into its own folder, then opened read-only; the searcher is thread-safe and never refreshed, since a
 * version never changes. Reference-counted so a retired version closes only after its last search.
 */
public final class MovieIndex implements AutoCloseable {
  static final String VECTOR = "vector";
  /** The same vectors under cosine similarity: item-to-item neighbours, where inner product would favour long vectors. */
  static final String VECTOR_COS = "vector_cos";
  static final String MOVIE_ID = "movie_id";
  static final String POSITION = "position";

  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final int[] docToPosition;
  private final int[] positionToDoc;
  private final MovieCatalogue catalogue;
  private final MovieVectors vectors;
  private final int[] movieIds;
  private final int factors;

  private MovieIndex(DirectoryReader reader, MovieVectors vectors) throws IOException {
    if (reader.numDocs() != vectors.size()) {
      throw new IOException("index holds " + reader.numDocs() + " movies, the model version " + vectors.size());
    }
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
    this.factors = vectors.factors();
    this.vectors = vectors;
    this.catalogue = new MovieCatalogue(vectors);
  }

  /**
   * What an index folder was built from, written beside the index as {@value #MARKER}: the model version's id, the
   * index format and the number of movies. An index is reopened only when all three match; the format number rises
   * whenever the indexed fields change.
   */
  static final String MARKER = "recserve-index.properties";
  static final int FORMAT = 3;

  /**
   * Opens the index in {@code dir} if it was built from version {@code modelId} in this format, building it there
   * otherwise (also over a folder left by an older format, another store's version of the same number, or a torn
   * build). The reader of a failed open is closed.
   */
  public static MovieIndex openOrBuild(Path dir, String modelId, MovieVectors vectors, int maxConn, int beamWidth, PrintStream log) throws IOException {
    if (Files.isDirectory(dir) && !matches(dir, modelId, vectors.size())) {
      log.println("ann index " + dir + " was built from another model version or format; rebuilding it");
      deleteTree(dir);
    }
    boolean reused = Files.isDirectory(dir);
    if (!reused) build(dir, modelId, vectors, maxConn, beamWidth, log);
    try {
      return open(dir, vectors);
    } catch (IOException | RuntimeException e) {
      if (!reused) throw e;
      // A reopened index whose files are damaged (a disk fault, a partial copy): it is only a cache of the model.
      log.println("ann index " + dir + " is damaged (" + e + "); rebuilding it");
      deleteTree(dir);
      build(dir, modelId, vectors, maxConn, beamWidth, log);
      return open(dir, vectors);
    }
  }

  private static MovieIndex open(Path dir, MovieVectors vectors) throws IOException {
    DirectoryReader reader = DirectoryReader.open(FSDirectory.open(dir));
    try {
      MovieIndex index = new MovieIndex(reader, vectors);
      if (vectors.size() > 0) index.search(vectors.vector(0), 1, new int[0]); // reads the graph and vectors once: damage shows here, not in a request
      return index;
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private static boolean matches(Path dir, String modelId, int movies) {
    java.util.Properties marker = new java.util.Properties();
    try (var in = Files.newInputStream(dir.resolve(MARKER))) {
      marker.load(in);
    } catch (IOException e) {
      return false;
    }
    return modelId.equals(marker.getProperty("model_id")) && Integer.toString(FORMAT).equals(marker.getProperty("format"))
        && Integer.toString(movies).equals(marker.getProperty("movies"));
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static void build(Path dir, String modelId, MovieVectors vectors, int maxConn, int beamWidth, PrintStream log) throws IOException {
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
        float[] v = vectors.vector(i);
        doc.add(new KnnFloatVectorField(VECTOR, v, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
        if (norm(v) > 0) doc.add(new KnnFloatVectorField(VECTOR_COS, v, VectorSimilarityFunction.COSINE));
        doc.add(new IntField(MOVIE_ID, vectors.ids()[i], Field.Store.NO));
        doc.add(new NumericDocValuesField(POSITION, i));
        writer.addDocument(doc);
        progress.advance(1);
      }
      writer.forceMerge(1);
      writer.commit();
      if (f == 0) throw new IOException("model has no factors");
    }
    java.util.Properties marker = new java.util.Properties();
    marker.setProperty("model_id", modelId);
    marker.setProperty("format", Integer.toString(FORMAT));
    marker.setProperty("movies", Integer.toString(vectors.size()));
    try (var out = Files.newOutputStream(staging.resolve(MARKER))) {
      marker.store(out, "what this Recserve index was built from");
    }
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One found movie: its position in the version's movies, its id and its score in (0, 1). */
  public record Hit(int position, int movieId, double score) {}

  /**
   * The k movies with the highest inner product with {@code vector}, leaving out {@code exclude} and what
   * {@code filter} refuses inside the HNSW walk (Lucene falls back to exact search when the filter leaves few
   * candidates), so k come back whenever k remain. The walk keeps {@code max(k, candidates)} candidates: more than k
   * raises recall on large catalogues, at a cost.
   */
  public Hit[] search(float[] vector, int k, int[] exclude, MovieCatalogue.Filter filter, int candidates) throws IOException {
    if (!reader.tryIncRef()) throw new AlreadyClosedException("index closed"); // retired, or the node stops: AnnVerticle answers MODEL_NOT_LOADED
    try {
      Query accepted = exclude.length == 0 && (filter == null || filter.none()) ? null : accepted(exclude, filter);
      return hits(VECTOR, vector, k, accepted, candidates, false);
    } finally {
      reader.decRef();
    }
  }

  public Hit[] search(float[] vector, int k, int[] exclude) throws IOException {
    return search(vector, k, exclude, null, k);
  }

  /**
   * The k movies closest by cosine to movie {@code movieId}, the movie itself left out, with what {@code filter}
   * refuses; null when this version does not know the movie. Scores are Lucene's {@code (1 + cos) / 2}, in [0, 1].
   */
  public Hit[] similar(int movieId, int k, MovieCatalogue.Filter filter, int candidates) throws IOException {
    int position = catalogue.position(movieId);
    if (position < 0) return null;
    if (!reader.tryIncRef()) throw new AlreadyClosedException("index closed"); // retired, or the node stops: AnnVerticle answers MODEL_NOT_LOADED
    try {
      float[] v = vectors.vector(position);
      if (norm(v) == 0) return new Hit[0];
      return hits(VECTOR_COS, v, k, accepted(new int[] {movieId}, filter), candidates, true);
    } finally {
      reader.decRef();
    }
  }

  private Hit[] hits(String field, float[] vector, int k, Query accepted, int candidates, boolean cosine) throws IOException {
    int fetch = Math.max(k, candidates);
    TopDocs top = searcher.search(new KnnFloatVectorQuery(field, vector, fetch, accepted), fetch);
    Hit[] hits = new Hit[Math.min(k, top.scoreDocs.length)];
    for (int i = 0; i < hits.length; i++) {
      ScoreDoc d = top.scoreDocs[i];
      int position = docToPosition[d.doc];
      hits[i] = new Hit(position, movieIds[position], cosine ? d.score : score(d.score));
    }
    return hits;
  }

  /** Every movie but the excluded ids (ids the model does not know are ignored) and what the filter refuses. */
  private Query accepted(int[] exclude, MovieCatalogue.Filter filter) {
    FixedBitSet accepted = new FixedBitSet(reader.maxDoc());
    java.util.BitSet kept = catalogue.accepted(filter);
    if (kept == null) {
      accepted.set(0, reader.maxDoc());
    } else {
      for (int p = kept.nextSetBit(0); p >= 0; p = kept.nextSetBit(p + 1)) accepted.set(positionToDoc[p]);
    }
    for (int id : exclude) {
      int position = Arrays.binarySearch(movieIds, id);
      if (position >= 0) accepted.clear(positionToDoc[position]);
    }
    return new AcceptedDocsQuery(accepted);
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += x * x;
    return Math.sqrt(s);
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

  /**
   * The hits as the JSON array an answer holds, {@code [{"movie_id":..,"title":..,"genres":[..],"score":..}, ...]},
   * joined from text each movie encoded once when the index opened.
   */
  public String encode(Hit[] hits) {
    int[] positions = new int[hits.length];
    double[] scores = new double[hits.length];
    for (int i = 0; i < hits.length; i++) {
      positions[i] = hits[i].position();
      scores[i] = hits[i].score();
    }
    return catalogue.encode(positions, scores);
  }

  public MovieCatalogue catalogue() {
    return catalogue;
  }

  /** The vectors' dimension. */
  public int factors() {
    return factors;
  }

  @Override
  public void close() throws IOException {
    reader.decRef();
  }
}

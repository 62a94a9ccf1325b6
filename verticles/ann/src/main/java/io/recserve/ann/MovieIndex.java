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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
  /**
   * The doc id of each movie id, indexed by the id (-1: not in this version), when the ids are dense enough for a
   * table ({@link #denseTable}); null otherwise, and the sorted ids are searched. A user's rated movies are mapped
   * to doc ids on every uncached search: by binary search over the ids, that was 9% of the uncached path's samples.
   */
  private final int[] docOfMovie;
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
    this.docOfMovie = denseTable(movieIds, positionToDoc);
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
  public static MovieIndex openOrBuild(Path dir, String modelId, MovieVectors vectors, Hnsw hnsw, PrintStream log) throws IOException {
    if (Files.isDirectory(dir) && !matches(dir, modelId, vectors.size())) {
      log.println("ann index " + dir + " was built from another model version or format; rebuilding it");
      deleteTree(dir);
    }
    boolean reused = Files.isDirectory(dir);
    if (!reused) build(dir, modelId, vectors, hnsw, log);
    try {
      return open(dir, vectors);
    } catch (IOException | RuntimeException e) {
      if (!reused) throw e;
      // A reopened index whose files are damaged (a disk fault, a partial copy): it is only a cache of the model.
      log.println("ann index " + dir + " is damaged (" + e + "); rebuilding it");
      deleteTree(dir);
      build(dir, modelId, vectors, hnsw, log);
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

  /**
   * How the HNSW graph is built: its degree, its construction beam, and the threads that build it. With more than one
   * thread the movies are added by that many threads (each fills segments of its own) and the segments' graphs are
   * merged into one by as many workers: at a million movies two threads built both fields in 8 minutes, where one took
   * 15 to 20. The graph then depends on the threads' timing, so two builds of one version may differ in the rare movie
   * an approximate search misses; one thread ({@code ann.build-threads: 1}) builds the same graph every time.
   */
  public record Hnsw(int maxConn, int beamWidth, int threads) {
    public Hnsw {
      if (threads < 1) throw new IllegalArgumentException("ann build threads must be at least 1, not " + threads);
    }

    /** As {@code ann.build-threads} says it: 0 (or less) means one thread per core. */
    public static Hnsw of(int maxConn, int beamWidth, int threads) {
      return new Hnsw(maxConn, beamWidth, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }
  }

  private static void build(Path dir, String modelId, MovieVectors vectors, Hnsw hnsw, PrintStream log) throws IOException {
    if (vectors.factors() == 0) throw new IOException("model has no factors");
    Files.createDirectories(dir.getParent());
    Path staging = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".building-");
    ExecutorService workers = Executors.newFixedThreadPool(hnsw.threads(), Thread.ofPlatform().name("ann-index-build").daemon().factory());
    ExecutorService mergers = hnsw.threads() > 1 ? Executors.newFixedThreadPool(hnsw.threads(), Thread.ofPlatform().name("ann-index-merge").daemon().factory()) : null;
    KnnVectorsFormat format = mergers == null ? new Lucene99HnswVectorsFormat(hnsw.maxConn(), hnsw.beamWidth())
        : new Lucene99HnswVectorsFormat(hnsw.maxConn(), hnsw.beamWidth(), hnsw.threads(), mergers);
    IndexWriterConfig config = new IndexWriterConfig()
        .setCodec(new Lucene104Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return format;
          }
        })
        .setRAMBufferSizeMB(512)
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    try (FSDirectory directory = FSDirectory.open(staging);
         Progress progress = Progress.lines("ann index build", "movies", vectors.size(), log)) {
      IndexWriter writer = new IndexWriter(directory, config);
      try {
        addAll(writer, vectors, hnsw.threads(), workers, progress);
        writer.forceMerge(1);
        writer.commit();
        writer.close();
      } catch (IOException | RuntimeException e) {
        workers.shutdownNow(); // the other threads stop adding, and nothing of the torn build is committed
        writer.rollback();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(staging);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    } finally {
      workers.shutdownNow();
      if (mergers != null) mergers.shutdownNow();
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

  /** Adds every movie's document, movie i by thread i mod threads; the first failure to happen is thrown. */
  private static void addAll(IndexWriter writer, MovieVectors vectors, int threads, ExecutorService workers,
                             Progress progress) throws IOException {
    ExecutorCompletionService<Void> parts = new ExecutorCompletionService<>(workers);
    for (int t = 0; t < threads; t++) {
      int first = t;
      parts.submit(() -> {
        for (int i = first; i < vectors.size(); i += threads) {
          writer.addDocument(document(vectors, i));
          progress.advance(1);
        }
        return null;
      });
    }
    for (int t = 0; t < threads; t++) {
      try {
        parts.take().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("ann index build interrupted", e);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException("ann index build failed", e.getCause());
      }
    }
  }

  private static Document document(MovieVectors vectors, int i) {
    Document doc = new Document();
    float[] v = vectors.vector(i);
    doc.add(new KnnFloatVectorField(VECTOR, v, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
    if (norm(v) > 0) doc.add(new KnnFloatVectorField(VECTOR_COS, v, VectorSimilarityFunction.COSINE));
    doc.add(new IntField(MOVIE_ID, vectors.ids()[i], Field.Store.NO));
    doc.add(new NumericDocValuesField(POSITION, i));
    return doc;
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
      return hits(VECTOR, vector, k, exclude, filter, candidates, false);
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
      return hits(VECTOR_COS, v, k, new int[] {movieId}, filter, candidates, true);
    } finally {
      reader.decRef();
    }
  }

  private Hit[] hits(String field, float[] vector, int k, int[] exclude, MovieCatalogue.Filter filter, int candidates,
                     boolean cosine) throws IOException {
    int fetch = Math.max(k, candidates);
    TopDocs top = searcher.search(query(field, vector, fetch, exclude, filter), fetch);
    Hit[] hits = new Hit[Math.min(k, top.scoreDocs.length)];
    for (int i = 0; i < hits.length; i++) {
      ScoreDoc d = top.scoreDocs[i];
      int position = docToPosition[d.doc];
      // Lucene's cosine score, (1 + cosine) / 2 in float, can pass 1 by a rounding step (1.0000001 for a movie whose
      // vector points as the asked one's: found by a hostile run); the documented bound is 1.
      hits[i] = new Hit(position, movieIds[position], cosine ? Math.min(1f, d.score) : score(d.score));
    }
    return hits;
  }

  /**
   * The kNN query leaving out {@code exclude} and what {@code filter} refuses. With no filter and few excluded movies
   * (at most a tenth of the index: a user's ratings, a movie itself), the walk skips the excluded doc ids itself
   * ({@link ExcludingKnnQuery}), at a cost that does not grow with the catalogue; otherwise Lucene's filter, which
   * falls back to an exact search when the filter leaves few movies.
   */
  private Query query(String field, float[] vector, int fetch, int[] exclude, MovieCatalogue.Filter filter) {
    boolean filtered = filter != null && !filter.none();
    if (!filtered && exclude.length == 0) return new KnnFloatVectorQuery(field, vector, fetch);
    if (!filtered && exclude.length <= reader.maxDoc() / 10) return new ExcludingKnnQuery(field, vector, fetch, excludedDocs(exclude));
    FixedBitSet accepted = accepted(exclude, filter);
    Query only = new AcceptedDocsQuery(accepted);
    return accepted.cardinality() <= EXACT_MAX ? new ExactKnnQuery(field, vector, fetch, only) : new KnnFloatVectorQuery(field, vector, fetch, only);
  }

  /**
   * Up to this many accepted movies, a filtered search is an exact pass over them ({@link ExactKnnQuery}). Measured on
   * ml-latest-small (docs/performance.md): a user with 2,698 of 9,742 movies rated took 1.1–1.4 ms through the walk.
   */
  static final int EXACT_MAX = 16_384;

  /**
   * A table from movie id to doc id when the largest id is at most {@code 4 × movies + 2^20} (MovieLens: 193,609 for
   * 9,742 movies, 209,171 for 62,423; a million synthetic movies, 4 MB); null for sparser ids.
   */
  static int[] denseTable(int[] sortedIds, int[] positionToDoc) {
    if (sortedIds.length == 0 || sortedIds[0] < 0) return null;
    long max = sortedIds[sortedIds.length - 1];
    if (max + 1 > 4L * sortedIds.length + (1 << 20)) return null;
    int[] table = new int[(int) max + 1];
    Arrays.fill(table, -1);
    for (int position = 0; position < sortedIds.length; position++) table[sortedIds[position]] = positionToDoc[position];
    return table;
  }

  /** The doc id of movie {@code id}, or -1 when this version does not hold it. */
  private int docOf(int id) {
    if (docOfMovie != null) return id >= 0 && id < docOfMovie.length ? docOfMovie[id] : -1;
    int position = catalogue.position(id);
    return position >= 0 ? positionToDoc[position] : -1;
  }

  /** The sorted doc ids of the excluded movie ids this version knows. */
  private int[] excludedDocs(int[] exclude) {
    int[] docs = new int[exclude.length];
    int n = 0;
    for (int id : exclude) {
      int doc = docOf(id);
      if (doc >= 0) docs[n++] = doc;
    }
    Arrays.sort(docs, 0, n);
    return n == docs.length ? docs : Arrays.copyOf(docs, n);
  }

  /** Every movie but the excluded ids (ids the model does not know are ignored) and what the filter refuses. */
  private FixedBitSet accepted(int[] exclude, MovieCatalogue.Filter filter) {
    FixedBitSet accepted = new FixedBitSet(reader.maxDoc());
    java.util.BitSet kept = catalogue.accepted(filter);
    if (kept == null) {
      accepted.set(0, reader.maxDoc());
    } else {
      for (int p = kept.nextSetBit(0); p >= 0; p = kept.nextSetBit(p + 1)) accepted.set(positionToDoc[p]);
    }
    for (int id : exclude) {
      int doc = docOf(id);
      if (doc >= 0) accepted.clear(doc);
    }
    return accepted;
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

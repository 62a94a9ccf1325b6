package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.CataloguePage;
import io.recserve.contract.Codecs;
import io.recserve.contract.ModelRef;
import io.recserve.contract.Recommendation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The movies' texts of the model versions this HTTP node serves, read once per version from an ANN node
 * ({@link Addresses#ANN_CATALOGUE}, page by page), so that its searches ask for ids and scores only and it joins
 * the answers' text itself ({@link Recommendation#join}): a search's reply then carries no titles between JVMs, and
 * this node reads none (docs/performance.md). Until a version's texts are read, or when they cannot be (ANN nodes of
 * an older release), searches ask for the whole answer, as before. One per JVM, shared by its HTTP verticle
 * instances; the last {@value #KEEP} versions read are kept ({@code http.ids-only-search}, true, turns it on).
 */
final class MovieTexts {
  private static final Logger LOG = LoggerFactory.getLogger(MovieTexts.class);
  private static final Map<Object, MovieTexts> PER_VERTX = new WeakHashMap<>();
  static final int PAGE = 2000;
  static final int KEEP = 3;
  /** How long after a failed read the next request may try again. */
  static final long RETRY_MILLIS = 10_000;

  /** One version's movies: ids ascending, and each one's text waiting for its score. */
  static final class Table {
    private final int[] ids;
    private final String[] texts;

    Table(int[] ids, String[] texts) {
      this.ids = ids;
      this.texts = texts;
    }

    /** The answer's JSON array for these movies and scores, or null when the version does not know one of them. */
    String join(int[] movieIds, float[] scores) {
      String[] found = new String[movieIds.length];
      for (int i = 0; i < movieIds.length; i++) {
        int p = Arrays.binarySearch(ids, movieIds[i]);
        if (p < 0) return null;
        found[i] = texts[p];
      }
      return Recommendation.join(found, scores);
    }

    int size() {
      return ids.length;
    }
  }

  private final boolean enabled;
  /** By model id, in the order read; replaced whole on each change, never changed once published. */
  private volatile Map<String, Table> tables = Map.of();
  private final Set<String> reading = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> retryAt = new ConcurrentHashMap<>();

  MovieTexts(boolean enabled) {
    this.enabled = enabled;
  }

  /** This Vert.x instance's one, made on first use. */
  static MovieTexts of(Vertx vertx, boolean enabled) {
    synchronized (PER_VERTX) {
      return PER_VERTX.computeIfAbsent(vertx, v -> new MovieTexts(enabled));
    }
  }

  /**
   * The texts of {@code version} when read, else null; then the first caller once an ANN node holds the version
   * starts reading them through its {@code bus}, and searches ask for whole answers meanwhile.
   */
  Table table(ModelRef version, Bus bus) {
    if (!enabled || version == null) return null;
    Table table = tables.get(version.id());
    if (table != null) return table;
    Long after = retryAt.get(version.id());
    if ((after == null || System.nanoTime() - after >= 0) && bus.anyNodeHolds("ann", version) && reading.add(version.id())) read(version, bus);
    return null;
  }

  /** The texts of a version read before, else null. */
  Table read(String modelId) {
    return tables.get(modelId);
  }

  private void read(ModelRef version, Bus bus) {
    long started = System.nanoTime();
    page(version, bus, 0, null, null).onComplete(ar -> {
      reading.remove(version.id());
      if (ar.succeeded()) {
        keep(version.id(), ar.result());
        retryAt.remove(version.id());
        LOG.info("model version {}: {} movies' texts read in {} ms; searches now ask for ids only", version.version(), ar.result().size(),
            (System.nanoTime() - started) / 1_000_000);
      } else {
        boolean again = retryAt.put(version.id(), System.nanoTime() + RETRY_MILLIS * 1_000_000) != null;
        (again ? LOG.atDebug() : LOG.atWarn()).log("model version {}: the movies' texts could not be read ({}); searches ask for whole answers, and the next try is in {} s (later failures are logged at debug)",
            version.version(), ar.cause().getMessage(), RETRY_MILLIS / 1000);
      }
    });
  }

  private Future<Table> page(ModelRef version, Bus bus, int from, int[] ids, String[] texts) {
    return bus.toAnyNode("ann", Addresses.ANN_CATALOGUE, new CataloguePage.Request(version, from, PAGE).toJson(), version).compose(body -> {
      CataloguePage page = CataloguePage.fromJson(Codecs.toJson(body));
      int[] allIds = ids == null ? new int[page.total()] : ids;
      String[] allTexts = texts == null ? new String[page.total()] : texts;
      if (page.model() == null || !page.model().id().equals(version.id()) || page.from() != from || page.total() != allIds.length
          || (page.movies().isEmpty() && from < page.total()) || from + page.movies().size() > page.total()) {
        return Future.failedFuture(new IllegalStateException("a catalogue page of version " + version + " from " + from + " does not fit"));
      }
      for (int i = 0; i < page.movies().size(); i++) {
        CataloguePage.Movie m = page.movies().get(i);
        allIds[from + i] = m.movieId();
        allTexts[from + i] = Recommendation.textBeforeScore(m.movieId(), m.title(), m.genres());
      }
      int next = from + page.movies().size();
      if (next < page.total()) return page(version, bus, next, allIds, allTexts);
      for (int i = 1; i < allIds.length; i++) {
        if (allIds[i] <= allIds[i - 1]) return Future.failedFuture(new IllegalStateException("the catalogue of version " + version + " is not in id order"));
      }
      return Future.succeededFuture(new Table(allIds, allTexts));
    });
  }

  private synchronized void keep(String modelId, Table table) {
    LinkedHashMap<String, Table> next = new LinkedHashMap<>(tables);
    next.remove(modelId);
    next.put(modelId, table);
    while (next.size() > KEEP) next.remove(next.keySet().iterator().next());
    tables = Collections.unmodifiableMap(next);
  }
}

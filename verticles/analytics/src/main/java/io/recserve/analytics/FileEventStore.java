package io.recserve.analytics;

import io.recserve.contract.RecommendationEvent;
import io.recserve.model.log.AppendOnlyLog;
import io.recserve.model.log.AppendOnlyLog.Segment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: one JSON line per event in an {@link AppendOnlyLog} ({@code events.jsonl}, rotated to
 * {@code events-<UTC time>.jsonl}), written and forced on a worker thread. A torn or corrupt file never stops a
 * start (the log cuts or skips what is not a whole event and keeps the bytes aside); a failed write is rolled back,
 * and events a failed write left whole on disk are found before the retry and not written twice.
 * Idempotence: the request ids of the last {@value #IDS_KEPT} events are remembered, which covers every retried
 * batch. The summary is computed over compact copies of the last 24 hours of events, at most {@value #KEPT_MAX}
 * (PostgreSQL has no such bound). Both are read back at start from the active and rotated files, newest first,
 * stopping at files rotated before the 24-hour window or once both bounds are reached.
 */
final class FileEventStore implements EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileEventStore.class);
  static final int IDS_KEPT = 200_000;
  static final int KEPT_MAX = 500_000;
  static final long KEPT_SECONDS = 24 * 3600;
  private final Vertx vertx;
  private final Path file;
  private final AppendOnlyLog.Options options;
  private final Object writeLock = new Object();
  private final LinkedHashSet<String> recentIds = new LinkedHashSet<>();
  private final ArrayDeque<Summaries.Entry> recent = new ArrayDeque<>();
  private volatile AppendOnlyLog log;

  FileEventStore(Vertx vertx, Path file) {
    this(vertx, file, AppendOnlyLog.Options.DEFAULTS);
  }

  FileEventStore(Vertx vertx, Path file, AppendOnlyLog.Options options) {
    this.vertx = vertx;
    this.file = file;
    this.options = options;
  }

  /** Rotation and retention from the {@code analytics} config section (see conf/recserve.yaml). */
  static AppendOnlyLog.Options logOptions(JsonObject analytics) {
    return AppendOnlyLog.Options.DEFAULTS
        .withMaxBytes(analytics.getLong("file-max-bytes", AppendOnlyLog.Options.DEFAULTS.maxBytes()))
        .withMaxAge(Duration.ofHours(analytics.getLong("file-max-age-hours", 24L)))
        .withRetention(Duration.ofDays(analytics.getLong("retention-days", 30L)))
        .withRetentionMaxFiles(analytics.getInteger("retention-max-files", 100));
  }

  /** The result of the last {@link #isEvent} per thread: a scan validates a line, then hands the same array over. */
  private static final ThreadLocal<Object[]> LAST_READ = ThreadLocal.withInitial(() -> new Object[2]);

  /** Whether a line is a whole event: one JSON object with a string request_id (the log's validator). */
  static boolean isEvent(byte[] line) {
    EventLines.Read read = EventLines.read(line);
    Object[] last = LAST_READ.get();
    last[0] = line;
    last[1] = read;
    return read != null;
  }

  /** The event on a line the log has just validated, without parsing it a second time. */
  private static EventLines.Read readBack(byte[] line) {
    Object[] last = LAST_READ.get();
    return last[0] == line ? (EventLines.Read) last[1] : EventLines.read(line);
  }

  Future<Void> open() {
    return vertx.executeBlocking(() -> {
      long started = System.nanoTime();
      log = AppendOnlyLog.open(file, FileEventStore::isEvent, options);
      int files = rebuild();
      synchronized (this) {
        LOG.info("analytics file {}: {} request ids and {} events of the last 24 h read back from {} files in {} ms", log.file(),
            recentIds.size(), recent.size(), files, (System.nanoTime() - started) / 1_000_000);
      }
      return null;
    });
  }

  /** Reads the files newest first into the id and summary windows; returns how many files were read. */
  private int rebuild() throws Exception {
    long oldest = System.currentTimeMillis() - KEPT_SECONDS * 1000;
    List<Segment> segments = log.segments();
    List<ArrayDeque<EventLines.Read>> newestFirst = new ArrayList<>();
    int ids = 0;
    int entries = 0;
    int files = 0;
    for (int i = segments.size() - 1; i >= 0 && (ids < IDS_KEPT || entries < KEPT_MAX); i--) {
      Segment segment = segments.get(i);
      if (!segment.active() && segment.rotatedAt().toEpochMilli() < oldest) break; // this one and older: outside the window
      int wanted = Math.max(IDS_KEPT - ids, KEPT_MAX - entries);
      ArrayDeque<EventLines.Read> chunk = new ArrayDeque<>();
      log.scan(segment, (at, line) -> {
        EventLines.Read event = readBack(line);
        if (event.entry() != null && event.entry().timeMillis() < oldest) event = new EventLines.Read(event.requestId(), null);
        chunk.addLast(event);
        if (chunk.size() > wanted) chunk.removeFirst(); // only the newest of a file count
        return true;
      });
      files++;
      newestFirst.add(chunk);
      ids += chunk.size();
      entries += (int) chunk.stream().filter(k -> k.entry() != null).count();
    }
    for (int i = newestFirst.size() - 1; i >= 0; i--) for (EventLines.Read k : newestFirst.get(i)) remember(k.requestId(), k.entry());
    return files;
  }

  /** The event's summary entry; none for feedback (the summaries count answers). */
  private static Summaries.Entry entry(RecommendationEvent event) {
    if (!Summaries.counts(event.kind())) return null;
    return new Summaries.Entry(event.timeMillis(), event.modelVersion(), event.cacheHit(), event.latencyMs(), event.movieIds());
  }

  @Override
  public Future<List<RecommendationEvent>> write(List<RecommendationEvent> events) {
    return vertx.executeBlocking(() -> {
      synchronized (writeLock) {
        if (log.inDoubt()) takeBackInDoubt();
        List<RecommendationEvent> fresh = new ArrayList<>(events.size());
        List<byte[]> lines = new ArrayList<>(events.size());
        Set<String> inBatch = new HashSet<>();
        StringBuilder text = new StringBuilder(512);
        synchronized (this) {
          for (RecommendationEvent e : events) {
            if (recentIds.contains(e.requestId()) || !inBatch.add(e.requestId())) continue;
            fresh.add(e);
            text.setLength(0);
            lines.add(e.encode(text).toString().getBytes(StandardCharsets.UTF_8));
          }
        }
        if (!lines.isEmpty()) {
          log.append(lines); // on failure the log cuts the file back to its last whole event (or marks the tail in doubt)
          for (RecommendationEvent e : fresh) remember(e.requestId(), entry(e));
        }
        return fresh;
      }
    }, true);
  }

  @Override
  public Future<Void> reject(RecommendationEvent event, String reason) {
    return vertx.executeBlocking(() -> {
      Path rejected = file.resolveSibling(file.getFileName() + ".rejected");
      String line = new JsonObject().put("event", event.toJson()).put("reason", reason).put("rejected_at", java.time.Instant.now().toString()).encode() + "\n";
      java.nio.file.Files.writeString(rejected, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.DSYNC);
      return null;
    }, false);
  }

  /** After a write whose roll-back failed: the events already whole on disk are remembered, so the retry skips them. */
  private void takeBackInDoubt() throws Exception {
    List<byte[]> found = log.resolveInDoubt();
    long now = System.currentTimeMillis();
    for (byte[] line : found) {
      EventLines.Read read = EventLines.read(line);
      remember(read.requestId(), read.entry() == null ? null : new Summaries.Entry(now, read.entry().modelVersion(),
          read.entry().cacheHit(), read.entry().latencyMs(), read.entry().movies()));
    }
    if (!found.isEmpty()) LOG.warn("analytics file {}: {} events of a failed write were found whole on disk; they are kept and not written again", file, found.size());
  }

  private synchronized void remember(String id, Summaries.Entry entry) {
    recentIds.remove(id);
    recentIds.add(id);
    if (recentIds.size() > IDS_KEPT) {
      var it = recentIds.iterator();
      it.next();
      it.remove();
    }
    if (entry == null) return;
    recent.addLast(entry);
    long oldest = System.currentTimeMillis() - KEPT_SECONDS * 1000;
    while (recent.size() > KEPT_MAX || recent.peekFirst().timeMillis() < oldest) recent.removeFirst();
  }

  @Override
  public Future<JsonObject> summary(long windowSeconds, int top) {
    return vertx.executeBlocking(() -> {
      List<Summaries.Entry> copy;
      synchronized (this) {
        copy = List.copyOf(recent);
      }
      return Summaries.compute(copy, windowSeconds, top);
    }, false);
  }

  @Override
  public Future<JsonObject> timeSeries(long fromMillis, int minutes, int top) {
    return vertx.executeBlocking(() -> {
      List<Summaries.Entry> copy = new ArrayList<>();
      synchronized (this) { // arrival order is not time order (a spill file drained late): look at every entry
        for (Summaries.Entry e : recent) if (e.timeMillis() >= fromMillis) copy.add(e);
      }
      return TimeSeries.compute(copy, fromMillis, minutes, top);
    }, false);
  }

  @Override
  public String name() {
    return "file " + file;
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      synchronized (writeLock) {
        if (log != null) log.close();
      }
      return null;
    }, true);
  }
}

package io.recserve.analytics;

import io.recserve.contract.RecommendationEvent;
import io.recserve.model.log.AppendOnlyLog;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the analytics node keeps events while its store is down: an append-only file of JSON lines on its own disk,
 * forced before a batch is confirmed, so a crash loses nothing confirmed. Read back in chunks once the store returns,
 * then emptied. Blocking: called on the verticle's ordered worker, so appends, reads and the final emptying never
 * interleave.
 */
final class SpillFile {
  private final AppendOnlyLog log;
  private long records;

  SpillFile(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    this.log = AppendOnlyLog.open(file, line -> EventLines.read(line) != null,
        AppendOnlyLog.Options.DEFAULTS.withMaxBytes(0).withMaxAge(Duration.ZERO).withRetention(Duration.ZERO).withRetentionMaxFiles(0));
    this.records = log.recovery().records();
  }

  long records() {
    return records;
  }

  long length() {
    return log.length();
  }

  void append(List<RecommendationEvent> events) throws IOException {
    List<byte[]> lines = new ArrayList<>(events.size());
    StringBuilder text = new StringBuilder(512);
    for (RecommendationEvent e : events) {
      text.setLength(0);
      lines.add(e.encode(text).toString().getBytes(StandardCharsets.UTF_8));
    }
    log.append(lines);
    records += lines.size();
  }

  /** A chunk of at most {@code max} events from byte {@code from} on, and the offset after it. */
  record Chunk(List<RecommendationEvent> events, long end) {}

  Chunk read(long from, int max) throws IOException {
    List<RecommendationEvent> events = new ArrayList<>();
    long[] end = {from};
    log.scan(new AppendOnlyLog.Position(log.file(), from), (at, line) -> {
      if (events.size() == max) return false;
      events.add(RecommendationEvent.fromJson(new JsonObject(new String(line, StandardCharsets.UTF_8))));
      end[0] = at.offset() + line.length + 1;
      return true;
    });
    return new Chunk(events, end[0]);
  }

  /** Empties the file once everything up to {@code drainedTo} is stored; false when more was appended meanwhile. */
  boolean emptyIfDrained(long drainedTo) throws IOException {
    if (log.length() != drainedTo) return false;
    log.truncate(0);
    records = 0;
    return true;
  }

  void close() throws IOException {
    log.close();
  }
}

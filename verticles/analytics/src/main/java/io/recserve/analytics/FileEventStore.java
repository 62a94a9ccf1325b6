package io.recserve.analytics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The embedded store: one JSON line per event appended to a file, written and synced on a worker thread.
 * Idempotence: the request ids of the last {@value #IDS_KEPT} events are remembered, which covers every retried
 * batch. The summary is computed over compact copies of the last 24 hours of events, at most {@value #KEPT_MAX}
 * (PostgreSQL has no such bound); at start only the file's last {@value #TAIL_BYTES} bytes are read back.
 */
final class FileEventStore implements EventStore {
  static final int IDS_KEPT = 200_000;
  static final int KEPT_MAX = 500_000;
  static final long KEPT_SECONDS = 24 * 3600;
  static final long TAIL_BYTES = 64L << 20;
  private final Vertx vertx;
  private final Path file;
  private final LinkedHashSet<String> recentIds = new LinkedHashSet<>();
  private final ArrayDeque<Summaries.Entry> recent = new ArrayDeque<>();

  FileEventStore(Vertx vertx, Path file) {
    this.vertx = vertx;
    this.file = file;
  }

  Future<Void> open() {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (Files.exists(file)) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
          long start = Math.max(0, in.length() - TAIL_BYTES);
          byte[] tail = new byte[(int) (in.length() - start)];
          in.seek(start);
          in.readFully(tail);
          String[] lines = new String(tail, StandardCharsets.UTF_8).split("\n");
          for (int i = start > 0 ? 1 : 0; i < lines.length; i++) { // a partial first line when reading from the middle
            if (lines[i].isBlank()) continue;
            JsonObject event = new JsonObject(lines[i]);
            remember(event, Instant.parse(event.getString("time")).toEpochMilli());
          }
        }
      }
      return null;
    });
  }

  @Override
  public Future<Void> write(List<JsonObject> events) {
    return vertx.executeBlocking(() -> {
      StringBuilder text = new StringBuilder(events.size() * 256);
      List<JsonObject> fresh = new ArrayList<>(events.size());
      synchronized (this) {
        for (JsonObject e : events) {
          if (recentIds.contains(e.getString("request_id"))) continue;
          text.append(e.encode()).append('\n');
          fresh.add(e);
        }
      }
      if (!fresh.isEmpty()) {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
          out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        long now = System.currentTimeMillis(); // events are written within moments of their time: no need to parse it
        for (JsonObject e : fresh) remember(e, now);
      }
      return null;
    }, true);
  }

  private synchronized void remember(JsonObject event, long timeMillis) {
    recentIds.add(event.getString("request_id"));
    if (recentIds.size() > IDS_KEPT) {
      var it = recentIds.iterator();
      it.next();
      it.remove();
    }
    JsonArray items = event.getJsonArray("items", new JsonArray());
    int[] movies = new int[items.size()];
    for (int i = 0; i < movies.length; i++) movies[i] = items.getJsonObject(i).getInteger("movie_id");
    recent.addLast(new Summaries.Entry(timeMillis, event.getLong("model_version", 0L),
        event.getBoolean("cache_hit", false), event.getDouble("latency_ms", 0.0), movies));
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
  public String name() {
    return "file " + file;
  }
}

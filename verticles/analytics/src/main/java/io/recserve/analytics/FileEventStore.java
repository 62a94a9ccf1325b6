package io.recserve.analytics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The embedded store: one JSON line per event appended to a file (written and synced on a worker thread). Request
 * ids already in the file are skipped, so a retried batch is not stored twice. The summary reads the events of the
 * last 24 hours kept in memory (loaded from the file at start).
 */
final class FileEventStore implements EventStore {
  private static final long KEPT_SECONDS = 24 * 3600;
  private static final int KEPT_MAX = 1_000_000;
  private final Vertx vertx;
  private final Path file;
  private final Set<String> seen = new HashSet<>();
  private final ArrayDeque<JsonObject> recent = new ArrayDeque<>();

  FileEventStore(Vertx vertx, Path file) {
    this.vertx = vertx;
    this.file = file;
  }

  Future<Void> open() {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (Files.exists(file)) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          String line;
          while ((line = reader.readLine()) != null) {
            if (line.isBlank()) continue;
            JsonObject event = new JsonObject(line);
            seen.add(event.getString("request_id"));
            remember(event);
          }
        }
      }
      return null;
    });
  }

  @Override
  public Future<Void> write(List<JsonObject> events) {
    return vertx.executeBlocking(() -> {
      StringBuilder text = new StringBuilder();
      List<JsonObject> fresh = new java.util.ArrayList<>();
      for (JsonObject e : events) {
        if (seen.contains(e.getString("request_id"))) continue;
        text.append(e.encode()).append('\n');
        fresh.add(e);
      }
      if (!fresh.isEmpty()) {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
          out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        for (JsonObject e : fresh) {
          seen.add(e.getString("request_id"));
          remember(e);
        }
      }
      return null;
    }, true);
  }

  private synchronized void remember(JsonObject event) {
    recent.addLast(event);
    Instant oldest = Instant.now().minusSeconds(KEPT_SECONDS);
    while (recent.size() > KEPT_MAX || (!recent.isEmpty() && Instant.parse(recent.peekFirst().getString("time")).isBefore(oldest))) {
      recent.removeFirst();
    }
  }

  @Override
  public Future<JsonObject> summary(long windowSeconds, int top) {
    return vertx.executeBlocking(() -> {
      synchronized (this) {
        return Summaries.compute(List.copyOf(recent), windowSeconds, top);
      }
    }, false);
  }

  @Override
  public String name() {
    return "file " + file;
  }

  void checkWritable() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
  }
}

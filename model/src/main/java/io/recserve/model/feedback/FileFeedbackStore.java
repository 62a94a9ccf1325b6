package io.recserve.model.feedback;

import io.recserve.model.Json;
import io.recserve.model.log.AppendOnlyLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feedback in the data folder: {@code <data>/feedback/feedback.jsonl}, an {@link AppendOnlyLog} of JSON lines, forced
 * to disk before {@link #add} returns. A forgotten user is a line {@code {"seq": .., "user_id": .., "forget": true}}:
 * the ratings before it for that user no longer count (the removals do: see {@link FeedbackStore#forget}). The
 * serving node that writes it keeps every piece in memory (a user's feedback is read on every change); the pipeline
 * reads the file without opening it for writing, so it never cuts the tail a running server is writing.
 */
public final class FileFeedbackStore implements FeedbackStore {
  private final AppendOnlyLog log;
  private final List<Feedback> all = new ArrayList<>();
  private final Set<String> keys = new HashSet<>();
  private long lastSeq;

  private FileFeedbackStore(AppendOnlyLog log) {
    this.log = log;
  }

  public static Path file(Path dataDir) {
    return dataDir.resolve("feedback").resolve("feedback.jsonl");
  }

  /** Opens the log for writing (the one serving node of an embedded deployment). */
  public static FileFeedbackStore open(Path dataDir) {
    try {
      Path file = file(dataDir);
      Files.createDirectories(file.getParent());
      FileFeedbackStore store = new FileFeedbackStore(AppendOnlyLog.open(file, FileFeedbackStore::valid,
          AppendOnlyLog.Options.DEFAULTS.withMaxBytes(0).withMaxAge(java.time.Duration.ZERO).withRetention(java.time.Duration.ZERO).withRetentionMaxFiles(0)));
      store.log.scan(store.log.segments().get(store.log.segments().size() - 1), (at, line) -> {
        store.replay(new String(line, StandardCharsets.UTF_8));
        return true;
      });
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The feedback in the folder, read without writing (the pipeline, possibly while a server appends). */
  public static List<Feedback> read(Path dataDir) {
    Path file = file(dataDir);
    if (!Files.exists(file)) return List.of();
    FileFeedbackStore reading = new FileFeedbackStore(null);
    try {
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n'); // a last line without its newline is still being written
      for (String line : text.substring(0, Math.max(0, end)).split("\n")) {
        if (!line.isBlank() && valid(line.getBytes(StandardCharsets.UTF_8))) reading.replay(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(reading.all);
  }

  private static boolean valid(byte[] line) {
    try {
      Map<String, Object> m = Json.readMap(new String(line, StandardCharsets.UTF_8));
      return m.get("seq") instanceof Number && m.get("user_id") instanceof Number;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void replay(String line) {
    Map<String, Object> m = Json.readMap(line);
    long seq = ((Number) m.get("seq")).longValue();
    int user = ((Number) m.get("user_id")).intValue();
    lastSeq = Math.max(lastSeq, seq);
    if (Boolean.TRUE.equals(m.get("forget"))) {
      dropUser(user);
      return;
    }
    Float rating = m.get("rating") instanceof Number n ? n.floatValue() : null;
    Feedback f = new Feedback(seq, user, ((Number) m.get("movie_id")).intValue(), rating, ((Number) m.get("time")).longValue());
    all.add(f);
    if (!f.removal()) keys.add(key(f.userId(), f.movieId(), f.ratedAt()));
  }

  /** Drops the user's ratings, and returns how many; the removals stay (see {@link FeedbackStore#forget}). */
  private int dropUser(int user) {
    int before = all.size();
    all.removeIf(f -> {
      if (f.userId() != user || f.removal()) return false;
      keys.remove(key(f.userId(), f.movieId(), f.ratedAt()));
      return true;
    });
    return before - all.size();
  }

  private static String key(int user, int movie, long time) {
    return user + ":" + movie + ":" + time;
  }

  @Override
  public synchronized Feedback add(int userId, int movieId, Float rating, long ratedAt) {
    if (rating != null && keys.contains(key(userId, movieId, ratedAt))) throw new DuplicateFeedbackException(userId, movieId, ratedAt);
    Feedback f = new Feedback(lastSeq + 1, userId, movieId, rating, ratedAt);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("seq", f.seq());
    line.put("user_id", userId);
    line.put("movie_id", movieId);
    line.put("rating", rating);
    line.put("time", ratedAt);
    append(line);
    lastSeq = f.seq();
    all.add(f);
    if (rating != null) keys.add(key(userId, movieId, ratedAt));
    return f;
  }

  @Override
  public synchronized List<Feedback> since(long afterSeq) {
    return all.stream().filter(f -> f.seq() > afterSeq).toList();
  }

  @Override
  public synchronized List<Feedback> ofUser(int userId, long afterSeq) {
    return all.stream().filter(f -> f.userId() == userId && f.seq() > afterSeq).toList();
  }

  @Override
  public synchronized int forget(int userId) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("seq", lastSeq + 1);
    line.put("user_id", userId);
    line.put("forget", true);
    append(line);
    lastSeq++;
    return dropUser(userId);
  }

  private void append(Map<String, Object> line) {
    try {
      log.append(List.of(Json.write(line).getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write feedback to " + log.file() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized long lastSeq() {
    return lastSeq;
  }

  @Override
  public synchronized void close() {
    try {
      if (log != null) log.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

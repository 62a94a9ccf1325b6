package io.recserve.analytics;

import static io.recserve.analytics.AnalyticsVerticleTest.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.contract.RecommendationEvent;
import io.recserve.model.log.AppendOnlyLog;
import io.recserve.model.log.FaultyDisk;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
@ExtendWith(VertxExtension.class)
class FileEventStoreTest {
  /** The issue's reproducer: {@code printf '{"request_id":"x","user_id":1,"cut' >> data/analytics/events.jsonl}. */
  static final String TORN = "{\"request_id\":\"x\",\"user_id\":1,\"cut";
  @TempDir Path dir;

  static List<RecommendationEvent> events(int n) {
    List<RecommendationEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) events.add(event(UUID.randomUUID().toString(), i, i % 4 == 0, i));
    return events;
  }

  static List<RecommendationEvent> batch(List<RecommendationEvent> events, int from, int size) {
    return events.subList(from, Math.min(events.size(), from + size));
  }

  /** The lines of every file of the log, oldest file first; each must be a whole event ending with a newline. */
  static List<String> storedLines(Path dir) throws Exception {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().matches("events(-\\d{8}T\\d{6}\\.\\d{3}Z)?\\.jsonl")).sorted((a, b) -> {
        boolean activeA = a.getFileName().toString().equals("events.jsonl"), activeB = b.getFileName().toString().equals("events.jsonl");
        return activeA != activeB ? Boolean.compare(activeA, activeB) : a.compareTo(b);
      }).toList();
    }
    List<String> lines = new ArrayList<>();
    for (Path f : files) {
      String text = Files.readString(f);
      assertThat(text.isEmpty() || text.endsWith("\n")).as(f + " ends with a newline").isTrue();
      for (String line : text.lines().toList()) {
        assertThat(FileEventStore.isEvent(line.getBytes(StandardCharsets.UTF_8))).as("a whole event: " + line).isTrue();
        lines.add(line);
      }
    }
    return lines;
  }

  static List<String> ids(List<String> lines) {
    return lines.stream().map(l -> new JsonObject(l).getString("request_id")).toList();
  }

  static List<String> ids(List<RecommendationEvent> events, int n) {
    return events.subList(0, n).stream().map(e -> e.requestId()).toList();
  }

  /** The same event at another time. */
  static RecommendationEvent at(RecommendationEvent e, String time) {
    return new RecommendationEvent(e.requestId(), e.kind(), e.userId(), e.cutoff(), e.movieIds(), e.scores(), e.modelVersion(),
        e.cacheHit(), e.latencyMs(), Instant.parse(time).toEpochMilli());
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  @Test
  void theReproducersTornTailNeitherStopsTheOpenNorGluesTheNextEventOntoIt(Vertx vertx) throws Exception {
    Path file = dir.resolve("events.jsonl");
    List<RecommendationEvent> events = events(7);
    FileEventStore store = new FileEventStore(vertx, file);
    await(store.open());
    await(store.write(events.subList(0, 5)));
    await(store.close());
    long whole = Files.size(file);
    Files.writeString(file, TORN, StandardOpenOption.APPEND);

    FileEventStore again = new FileEventStore(vertx, file);
    await(again.open());
    assertThat(Files.readString(dir.resolve("events.jsonl.torn-" + whole))).isEqualTo(TORN);
    assertThat(await(again.summary(3600, 5)).getLong("requests")).isEqualTo(5);
    await(again.write(events.subList(3, 7))); // 3 and 4 again: skipped, read back from the file
    await(again.close());
    assertThat(ids(storedLines(dir))).containsExactlyElementsOf(ids(events, 7));
  }

  @Test
  void aCorruptLineInTheMiddleIsSkippedAndTheRestReadBack(Vertx vertx) throws Exception {
    Path file = dir.resolve("events.jsonl");
    List<RecommendationEvent> events = events(3);
    Files.writeString(file, events.get(0).toJson().encode() + "\n" + "{\"request_id\":\"x\",\"us\u0000\u0000\n" + events.get(1).toJson().encode() + "\n");
    FileEventStore store = new FileEventStore(vertx, file);
    await(store.open());
    assertThat(await(store.summary(3600, 5)).getLong("requests")).isEqualTo(2);
    await(store.write(events));
    await(store.close());
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(4);
    assertThat(ids(List.of(lines.get(0), lines.get(2), lines.get(3)))).containsExactlyElementsOf(ids(events, 3));
    assertThat(dir.resolve("events.jsonl.corrupt-" + (events.get(0).toJson().encode().length() + 1))).exists();
  }

  /**
   * The disk fills up part-way through a batch, after {@code k} bytes: the file keeps only whole events, the batch
   * fails, and the retry once space is back stores each event exactly once.
   */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 100, 700, 1500, 2999})
  void aWriteThatFailsAfterKBytesIsRolledBackAndTheRetryStoresEachEventOnce(long k, Vertx vertx) throws Exception {
    fillUpAndRetry(k, false, vertx);
  }

  /** The same, when cutting the file back fails too: the events already whole are found and not written twice. */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 100, 700, 1500, 2999})
  void whenTheRollBackFailsTooTheEventsInDoubtAreCheckedAndNotWrittenTwice(long k, Vertx vertx) throws Exception {
    fillUpAndRetry(k, true, vertx);
  }

  private void fillUpAndRetry(long k, boolean truncateFails, Vertx vertx) throws Exception {
    FaultyDisk disk = new FaultyDisk();
    List<RecommendationEvent> events = events(100);
    FileEventStore store = new FileEventStore(vertx, dir.resolve("events.jsonl"),
        AppendOnlyLog.Options.DEFAULTS.withMaxBytes(8000).withChannels(disk.channels())); // rotates too: ~25 events a file
    await(store.open());
    for (int from = 0; from < 40; from += 10) await(store.write(batch(events, from, 10)));
    disk.failAfter(k).truncateFails(truncateFails);
    List<RecommendationEvent> failing = batch(events, 40, 15); // ~3,500 bytes
    assertThat(failing.stream().mapToInt(e -> e.encode(new StringBuilder()).length() + 1).sum()).isGreaterThan(3000);
    assertThatThrownBy(() -> await(store.write(failing))).hasMessageContaining("No space left");
    assertThatThrownBy(() -> await(store.write(failing))).isNotNull(); // the verticle retries while the disk is full
    if (!truncateFails) assertThat(ids(storedLines(dir))).containsExactlyElementsOf(ids(events, 40)); // only whole events
    disk.heal();
    await(store.write(failing)); // the retry
    for (int from = 55; from < 100; from += 15) await(store.write(batch(events, from, 15)));
    await(store.write(batch(events, 35, 10))); // a batch retried after it was stored is still stored once
    await(store.close());
    List<String> stored = ids(storedLines(dir));
    assertThat(stored).hasSize(100).containsExactlyElementsOf(ids(events, 100));
    assertThat(new HashSet<>(stored)).hasSize(100);
    assertThat(disk.writeFailures()).isGreaterThanOrEqualTo(1);
    if (truncateFails) assertThat(disk.truncateFailures()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theSummaryAndTheIdWindowAreReadBackAcrossRotatedFiles(Vertx vertx) throws Exception {
    Path file = dir.resolve("events.jsonl");
    List<RecommendationEvent> earlier = events(30);
    String twoHoursAgo = Instant.now().minus(Duration.ofHours(2)).toString();
    earlier.replaceAll(e -> at(e, twoHoursAgo));
    List<RecommendationEvent> recent = events(30);
    AppendOnlyLog.Options small = FileEventStore.logOptions(new JsonObject().put("file-max-bytes", 3000));
    FileEventStore store = new FileEventStore(vertx, file, small);
    await(store.open());
    for (int from = 0; from < 30; from += 5) await(store.write(batch(earlier, from, 5)));
    for (int from = 0; from < 30; from += 5) await(store.write(batch(recent, from, 5)));
    await(store.close());
    try (Stream<Path> list = Files.list(dir)) {
      assertThat(list.filter(p -> p.getFileName().toString().startsWith("events-")).count()).isGreaterThanOrEqualTo(5);
    }

    FileEventStore again = new FileEventStore(vertx, file, small);
    await(again.open());
    assertThat(await(again.summary(3600, 5)).getLong("requests")).isEqualTo(30);
    JsonObject threeHours = await(again.summary(3 * 3600, 5));
    assertThat(threeHours.getLong("requests")).isEqualTo(60);
    assertThat(threeHours.getJsonArray("versions").getJsonObject(0).getJsonArray("top_movies").getJsonObject(0))
        .isEqualTo(new JsonObject().put("movie_id", 7).put("count", 60));
    await(again.write(earlier.subList(0, 10))); // ids in the oldest rotated file: still known, not written again
    await(again.write(recent));
    await(again.close());
    List<String> all = new ArrayList<>(ids(earlier, 30));
    all.addAll(ids(recent, 30));
    assertThat(ids(storedLines(dir))).containsExactlyElementsOf(all);
  }

  @Test
  void filesRotatedBeforeTheWindowAreNotReadBack(Vertx vertx) throws Exception {
    Path file = dir.resolve("events.jsonl");
    List<RecommendationEvent> old = events(3);
    String twoDaysAgo = Instant.now().minus(Duration.ofDays(2)).toString();
    old.replaceAll(e -> at(e, twoDaysAgo));
    String stamp = java.time.format.DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(java.time.ZoneOffset.UTC)
        .format(Instant.now().minus(Duration.ofDays(2)));
    Files.writeString(dir.resolve("events-" + stamp + ".jsonl"), old.stream().map(e -> e.toJson().encode() + "\n").reduce("", String::concat));
    List<RecommendationEvent> fresh = events(2);
    Files.writeString(file, fresh.stream().map(e -> e.toJson().encode() + "\n").reduce("", String::concat));
    FileEventStore store = new FileEventStore(vertx, file);
    await(store.open());
    assertThat(await(store.summary(3 * 24 * 3600, 5)).getLong("requests")).isEqualTo(2);
    await(store.close());
  }

  @Test
  void aLineIsAnEventOnlyWhenItIsOneWholeJsonObjectWithARequestId() {
    RecommendationEvent e = event(UUID.randomUUID().toString(), 3, true, 12.5);
    String line = e.encode(new StringBuilder()).toString();
    assertThat(FileEventStore.isEvent(line.getBytes(StandardCharsets.UTF_8))).isTrue();
    EventLines.Read read = EventLines.read(line.getBytes(StandardCharsets.UTF_8));
    assertThat(read.requestId()).isEqualTo(e.requestId());
    assertThat(read.entry().timeMillis()).isEqualTo(e.timeMillis());
    assertThat(read.entry().modelVersion()).isEqualTo(1);
    assertThat(read.entry().cacheHit()).isTrue();
    assertThat(read.entry().latencyMs()).isEqualTo(12.5);
    assertThat(read.entry().movies()).containsExactly(7, 9);
    for (String bad : List.of(TORN, line.substring(0, line.indexOf("}]") + 1), line.substring(0, line.length() - 1), line + " x",
        line + line, "[" + line + "]", "{\"request_id\":7}", "{\"user_id\":1}", "", "null")) {
      assertThat(FileEventStore.isEvent(bad.getBytes(StandardCharsets.UTF_8))).as(bad).isFalse();
    }
  }

  @Test
  void theLogBoundsComeFromTheAnalyticsSettings() {
    AppendOnlyLog.Options defaults = FileEventStore.logOptions(new JsonObject());
    assertThat(defaults.maxBytes()).isEqualTo(64L << 20);
    assertThat(defaults.maxAge()).isEqualTo(Duration.ofHours(24));
    assertThat(defaults.retention()).isEqualTo(Duration.ofDays(30));
    assertThat(defaults.retentionMaxFiles()).isEqualTo(100);
    AppendOnlyLog.Options set = FileEventStore.logOptions(new JsonObject().put("file-max-bytes", 1000L).put("file-max-age-hours", 2L)
        .put("retention-days", 7L).put("retention-max-files", 5L)); // numbers from the environment arrive as longs
    assertThat(set.maxBytes()).isEqualTo(1000);
    assertThat(set.maxAge()).isEqualTo(Duration.ofHours(2));
    assertThat(set.retention()).isEqualTo(Duration.ofDays(7));
    assertThat(set.retentionMaxFiles()).isEqualTo(5);
  }
}

package io.recserve.model.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.log.AppendOnlyLog.Options;
import io.recserve.model.log.AppendOnlyLog.Position;
import io.recserve.model.log.AppendOnlyLog.Segment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class AppendOnlyLogTest {
  /** The bytes of the reproducer: a record cut in the middle, no newline. */
  static final String TORN = "{\"request_id\":\"x\",\"user_id\":1,\"cut";
  @TempDir Path dir;

  /** A whole record in these tests: a JSON-looking object with a request id (no JSON library in the model module). */
  static boolean whole(byte[] line) {
    String s = new String(line, UTF_8);
    return s.startsWith("{\"request_id\":\"") && s.endsWith("}");
  }

  static byte[] record(String id) {
    return ("{\"request_id\":\"" + id + "\",\"user_id\":1,\"items\":[{\"movie_id\":7}]}").getBytes(UTF_8);
  }

  static List<byte[]> records(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> record(prefix + i)).toList();
  }

  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, UTF_8);
  }

  static List<String> ids(AppendOnlyLog log) throws IOException {
    List<String> ids = new ArrayList<>();
    log.scan(new Position(log.segments().get(0).path(), 0), (at, r) -> ids.add(id(r)));
    return ids;
  }

  static String id(byte[] record) {
    String s = new String(record, UTF_8);
    int from = "{\"request_id\":\"".length();
    return s.substring(from, s.indexOf('"', from));
  }

  /** Runs {@code body} with System.err captured (slf4j-simple logs there); returns what was logged. */
  static <T> String stderrOf(Callable<T> body) throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, UTF_8));
    try {
      body.call();
    } finally {
      System.setErr(saved);
    }
    String text = captured.toString(UTF_8);
    saved.print(text);
    return text;
  }

  static long warnLines(String log) {
    return log.lines().filter(l -> l.contains("WARN")).count();
  }

  @Test
  void theReproducersTornTailIsCutKeptAsideWithOneWarningAndTheNextAppendStartsOnItsOwnLine() throws Exception {
    Path file = dir.resolve("events.jsonl");
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
      log.append(records("a", 3));
    }
    long whole = Files.size(file);
    Files.writeString(file, TORN, StandardOpenOption.APPEND); // printf '...' >> events.jsonl

    AppendOnlyLog[] opened = new AppendOnlyLog[1];
    String logged = stderrOf(() -> opened[0] = AppendOnlyLog.open(file, AppendOnlyLogTest::whole));
    try (AppendOnlyLog log = opened[0]) {
      Path side = dir.resolve("events.jsonl.torn-" + whole);
      assertThat(log.recovery()).isEqualTo(new AppendOnlyLog.Recovery(file.toAbsolutePath(), 3, whole, whole, TORN.length(), 0, List.of(side)));
      assertThat(warnLines(logged)).isEqualTo(1);
      assertThat(logged).contains("WARN").contains(file.toAbsolutePath().toString()).contains("byte offset " + whole).contains(side.toString());
      assertThat(Files.readString(side)).isEqualTo(TORN);
      assertThat(Files.size(file)).isEqualTo(whole);
      assertThat(Files.readString(file)).endsWith("}\n");

      log.append(List.of(record("b0")));
    }
    assertThat(lines(file)).hasSize(4).allSatisfy(l -> assertThat(whole(l.getBytes(UTF_8))).as(l).isTrue());
    String again = stderrOf(() -> {
      try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
        assertThat(log.recovery().clean()).isTrue();
        assertThat(log.recovery().records()).isEqualTo(4);
        assertThat(ids(log)).containsExactly("a0", "a1", "a2", "b0");
      }
      return null;
    });
    assertThat(warnLines(again)).isZero();
  }

  @Test
  void aFinalLineTheValidatorRefusesIsATornTailEvenWithItsNewline() throws Exception {
    Path file = dir.resolve("events.jsonl");
    Files.writeString(file, new String(record("a0"), UTF_8) + "\n" + "{\"request_id\":\"a1\",\"items\":[{\"movie_\n");
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
      assertThat(log.recovery().records()).isEqualTo(1);
      assertThat(log.recovery().tornOffset()).isEqualTo(record("a0").length + 1);
      assertThat(log.recovery().tornBytes()).isEqualTo(Files.size(log.recovery().sideFiles().get(0)));
      assertThat(Files.readString(log.recovery().sideFiles().get(0))).isEqualTo("{\"request_id\":\"a1\",\"items\":[{\"movie_\n");
      log.append(List.of(record("a1")));
      assertThat(ids(log)).containsExactly("a0", "a1");
    }
  }

  @Test
  void aCorruptLineInTheMiddleIsSkippedCountedCopiedAsideAndNamedByLineAndOffset() throws Exception {
    Path file = dir.resolve("events.jsonl");
    String good = new String(record("a0"), UTF_8) + "\n";
    String bad = "{\"request_id\":\"zz\",\u0000\u0000\u0000\n";
    Files.writeString(file, good + bad + new String(record("a2"), UTF_8) + "\n");
    long size = Files.size(file);
    AppendOnlyLog[] opened = new AppendOnlyLog[1];
    String logged = stderrOf(() -> opened[0] = AppendOnlyLog.open(file, AppendOnlyLogTest::whole));
    Path side = dir.resolve("events.jsonl.corrupt-" + good.length());
    try (AppendOnlyLog log = opened[0]) {
      assertThat(log.recovery().records()).isEqualTo(2);
      assertThat(log.recovery().corruptLines()).isEqualTo(1);
      assertThat(log.recovery().tornBytes()).isZero();
      assertThat(log.recovery().sideFiles()).containsExactly(side);
      assertThat(Files.readString(side)).isEqualTo(bad);
      assertThat(warnLines(logged)).isEqualTo(1);
      assertThat(logged).contains(file.toAbsolutePath().toString()).contains("line 2").contains("byte offset " + good.length());
      assertThat(Files.size(file)).isEqualTo(size); // the middle of an append-only file is never rewritten
      log.append(List.of(record("a3")));
      assertThat(ids(log)).containsExactly("a0", "a2", "a3");
    }
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) { // the same side file, not a second one
      assertThat(log.recovery().sideFiles()).containsExactly(side);
      assertThat(Files.list(dir).filter(p -> p.getFileName().toString().contains("corrupt")).count()).isEqualTo(1);
    }
  }

  @Test
  void aFileOfGarbageNeverStopsAnOpenAndIsKeptAside() throws Exception {
    Path file = dir.resolve("events.jsonl");
    byte[] zeros = new byte[300_000]; // a crash that extended the file with zeros: no newline at all
    Files.write(file, zeros);
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
      assertThat(log.recovery().records()).isZero();
      assertThat(log.recovery().tornBytes()).isEqualTo(zeros.length);
      assertThat(Files.size(log.recovery().sideFiles().get(0))).isEqualTo(zeros.length);
      assertThat(Files.size(file)).isZero();
      log.append(List.of(record("a0")));
      assertThat(ids(log)).containsExactly("a0");
    }
  }

  /** A write that fails after {@code k} bytes leaves the file as it was; the retry writes whole records once. */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 30, 56, 57, 58, 200, 569})
  void aWriteFailingAfterKBytesIsRolledBackAndTheRetryWritesEachRecordOnce(long k) throws Exception {
    Path file = dir.resolve("events.jsonl");
    FaultyDisk disk = new FaultyDisk();
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, Options.DEFAULTS.withChannels(disk.channels()))) {
      log.append(records("a", 5));
      byte[] before = Files.readAllBytes(file);
      List<byte[]> batch = records("b", 10); // 57 bytes each with the newline, 570 in all
      disk.failAfter(k);
      assertThatThrownBy(() -> log.append(batch)).isInstanceOf(IOException.class).hasMessageContaining("No space left");
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(log.inDoubt()).isFalse();
      assertThatThrownBy(() -> log.append(batch)).isInstanceOf(IOException.class); // still full: still whole
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      disk.heal();
      log.append(batch);
      log.append(records("c", 2));
    }
    List<String> lines = lines(file);
    assertThat(lines).hasSize(17).allSatisfy(l -> assertThat(whole(l.getBytes(UTF_8))).isTrue());
    assertThat(new HashSet<>(lines)).hasSize(17);
  }

  /** The roll-back fails too: the range is in doubt, re-read before the next append, and reports what is whole. */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 56, 57, 130, 569})
  void whenTheRollBackFailsTooTheRangeInDoubtIsCheckedAndItsWholeRecordsReported(long k) throws Exception {
    Path file = dir.resolve("events.jsonl");
    FaultyDisk disk = new FaultyDisk();
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, Options.DEFAULTS.withChannels(disk.channels()))) {
      log.append(records("a", 5));
      long good = log.length();
      List<byte[]> batch = records("b", 10);
      disk.failAfter(k).truncateFails(true);
      assertThatThrownBy(() -> log.append(batch)).isInstanceOf(IOException.class).hasMessageContaining("No space left");
      assertThat(log.inDoubt()).isTrue();
      assertThat(disk.truncateFailures()).isEqualTo(1);
      assertThat(Files.size(file)).isEqualTo(good + k); // the partial write is still there
      assertThatThrownBy(() -> log.append(batch)).isInstanceOf(IllegalStateException.class).hasMessageContaining("resolveInDoubt");
      if (k % (batch.get(0).length + 1) != 0) { // a partial record there: cutting it still fails, nothing changes
        assertThatThrownBy(log::resolveInDoubt).isInstanceOf(IOException.class);
        assertThat(log.inDoubt()).isTrue();
      }

      disk.heal();
      List<byte[]> already = log.resolveInDoubt();
      long wholeInK = k / (batch.get(0).length + 1); // every record of this batch has the same length
      assertThat(already).hasSize((int) wholeInK);
      for (int i = 0; i < already.size(); i++) assertThat(already.get(i)).isEqualTo(batch.get(i));
      assertThat(log.inDoubt()).isFalse();
      assertThat(log.length()).isEqualTo(Files.size(file)).isEqualTo(good + wholeInK * (batch.get(0).length + 1));
      List<String> written = already.stream().map(AppendOnlyLogTest::id).toList();
      log.append(batch.stream().filter(r -> !written.contains(id(r))).toList()); // the caller's idempotence
      assertThat(ids(log)).containsExactlyElementsOf(IntStream.range(0, 15).mapToObj(i -> i < 5 ? "a" + i : "b" + (i - 5)).toList());
    }
    assertThat(lines(file)).hasSize(15).doesNotHaveDuplicates();
  }

  @Test
  void aTruncateThatFailsAtOpenLeavesTheTornTailInDoubtAndStillOpens() throws Exception {
    Path file = dir.resolve("events.jsonl");
    Files.writeString(file, new String(record("a0"), UTF_8) + "\n" + TORN);
    FaultyDisk disk = new FaultyDisk().failAfter(0).truncateFails(true);
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, Options.DEFAULTS.withChannels(disk.channels()))) {
      assertThat(log.inDoubt()).isTrue();
      disk.heal();
      assertThat(log.resolveInDoubt()).isEmpty();
      log.append(List.of(record("a1")));
      assertThat(ids(log)).containsExactly("a0", "a1");
    }
  }

  static final class TestClock extends Clock {
    Instant now = Instant.parse("2025-03-01T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void theActiveFileRotatesBySizeToATimestampedNameAndScansReadAcrossFiles() throws Exception {
    Path file = dir.resolve("events.jsonl");
    TestClock clock = new TestClock();
    Options options = Options.DEFAULTS.withMaxBytes(200).withClock(clock);
    List<String> expected = new ArrayList<>();
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, options)) {
      for (int i = 0; i < 10; i++) {
        List<byte[]> batch = records("r" + i + "-", 2); // 2 x 60 bytes: one batch per file
        batch.forEach(r -> expected.add(id(r)));
        log.append(batch);
        clock.now = clock.now.plusSeconds(1);
      }
      List<Segment> segments = log.segments();
      assertThat(segments).hasSize(10);
      assertThat(segments.get(0).path().getFileName().toString()).isEqualTo("events-20250301T100001.000Z.jsonl");
      assertThat(segments.get(8).path().getFileName().toString()).isEqualTo("events-20250301T100009.000Z.jsonl");
      assertThat(segments.get(9).active()).isTrue();
      for (Segment s : segments) assertThat(Files.size(s.path())).isLessThanOrEqualTo(200);
      assertThat(ids(log)).containsExactlyElementsOf(expected);

      // from a position in the middle of a rotated file, across the rest
      List<String> tail = new ArrayList<>();
      Position end = log.scan(new Position(segments.get(7).path(), 59), (at, r) -> tail.add(id(r)));
      assertThat(tail).containsExactlyElementsOf(expected.subList(15, 20));
      assertThat(end).isEqualTo(new Position(file.toAbsolutePath(), log.length()));
      // a visitor that stops
      List<String> two = new ArrayList<>();
      Position stop = log.scan(new Position(segments.get(0).path(), 0), (at, r) -> two.add(id(r)) && two.size() < 2);
      assertThat(two).containsExactly("r0-0", "r0-1");
      assertThat(stop).isEqualTo(new Position(segments.get(0).path(), Files.size(segments.get(0).path())));
    }
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, options)) { // reopened: same order
      assertThat(ids(log)).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void theActiveFileRotatesByAgeAndNotWhenEmpty() throws Exception {
    Path file = dir.resolve("events.jsonl");
    TestClock clock = new TestClock();
    Options options = Options.DEFAULTS.withMaxAge(Duration.ofHours(24)).withClock(clock);
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, options)) {
      clock.now = clock.now.plus(Duration.ofDays(3)); // an empty file never rotates; its age starts at its first record
      log.append(records("a", 1));
      clock.now = clock.now.plus(Duration.ofHours(23));
      log.append(records("b", 1));
      assertThat(log.segments()).hasSize(1);
      clock.now = clock.now.plus(Duration.ofHours(1));
      log.append(records("c", 1));
      assertThat(log.segments()).extracting(s -> s.path().getFileName().toString())
          .containsExactly("events-20250305T100000.000Z.jsonl", "events.jsonl");
      assertThat(lines(log.segments().get(0).path())).hasSize(2);
      assertThat(log.rotate()).hasValueSatisfying(s -> assertThat(s.rotatedAt()).isEqualTo(clock.now.plusMillis(1)));
      assertThat(log.rotate()).isEmpty();
      assertThat(ids(log)).containsExactly("a0", "b0", "c0");
      log.append(records("d", 1));
    }
    // after a restart the age of the active file counts from the last rotation, not from the restart
    clock.now = clock.now.plus(Duration.ofHours(2));
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, options)) {
      clock.now = clock.now.plus(Duration.ofHours(22)).plusSeconds(1);
      log.append(records("e", 1));
      assertThat(log.segments()).hasSize(4);
      assertThat(ids(log)).containsExactly("a0", "b0", "c0", "d0", "e0");
    }
  }

  @Test
  void retentionDeletesRotatedFilesBeyondTheCountAndTheAge() throws Exception {
    Path file = dir.resolve("events.jsonl");
    TestClock clock = new TestClock();
    Files.writeString(dir.resolve("events-20250101T000000.000Z.jsonl"), new String(record("old"), UTF_8) + "\n"); // 59 days old
    Files.writeString(dir.resolve("events.jsonl.torn-12"), "x"); // side files are not rotated files
    Options options = Options.DEFAULTS.withMaxBytes(70).withRetention(Duration.ofDays(30)).withRetentionMaxFiles(3).withClock(clock);
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole, options)) {
      assertThat(Files.exists(dir.resolve("events-20250101T000000.000Z.jsonl"))).isFalse();
      for (int i = 0; i < 6; i++) {
        log.append(records("r" + i + "-", 1));
        clock.now = clock.now.plus(Duration.ofDays(1));
      }
      assertThat(log.segments()).extracting(s -> s.path().getFileName().toString())
          .containsExactly("events-20250304T100000.000Z.jsonl", "events-20250305T100000.000Z.jsonl", "events-20250306T100000.000Z.jsonl", "events.jsonl");
      assertThat(ids(log)).containsExactly("r2-0", "r3-0", "r4-0", "r5-0");
      // a reader holding a position in a file retention deleted continues with the next file
      List<String> from = new ArrayList<>();
      log.scan(new Position(dir.resolve("events-20250302T100000.000Z.jsonl"), 30), (at, r) -> from.add(id(r)));
      assertThat(from).containsExactly("r2-0", "r3-0", "r4-0", "r5-0");
      clock.now = clock.now.plus(Duration.ofDays(29));
      assertThat(log.applyRetention()).hasSize(2);
      assertThat(Files.exists(dir.resolve("events.jsonl.torn-12"))).isTrue();
    }
  }

  @Test
  void truncateDropsRecordsFromTheEndAndOnlyAtARecordBoundary() throws Exception {
    Path file = dir.resolve("spill.jsonl");
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
      Position first = log.append(records("a", 1));
      log.append(records("b", 2));
      assertThatThrownBy(() -> log.truncate(first.offset() + 3)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.truncate(log.length() + 1)).isInstanceOf(IllegalArgumentException.class);
      log.truncate(first.offset() + record("a0").length + 1);
      assertThat(ids(log)).containsExactly("a0");
      log.truncate(0);
      assertThat(Files.size(file)).isZero();
      log.append(records("c", 1));
      assertThat(ids(log)).containsExactly("c0");
    }
    try (AppendOnlyLog log = AppendOnlyLog.open(file, AppendOnlyLogTest::whole)) {
      assertThatThrownBy(() -> log.append(List.of("{\"request_id\":\"a\nb\"}".getBytes(UTF_8)))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.append(List.of(new byte[0]))).isInstanceOf(IllegalArgumentException.class);
    }
  }
}

package io.recserve.model.log;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of records, one record per line: a record is a non-empty byte string without {@code '\n'},
 * stored followed by {@code '\n'}. The caller's validator says whether a line is a whole, valid record; the log
 * knows nothing of the format (JSON, CSV, ...).
 *
 * <ul>
 *   <li><b>Open</b> checks the active file. A torn tail (bytes after the last valid line: no final newline, or
 *   final lines the validator refuses) is cut back to the end of the last whole record and the cut bytes are kept
 *   in {@code <file>.torn-<offset>}, with one WARN. A refused line followed by valid ones is skipped by every reader,
 *   counted, and copied to {@code <file>.corrupt-<offset>}, with a WARN naming file, line and byte offset. A data
 *   file never makes {@link #open} fail; only I/O errors (cannot create, read) do.</li>
 *   <li><b>Append</b> writes a batch of records and forces it to disk. The log knows its last good length; when a
 *   write or force fails part-way it truncates the file back to that length before the error propagates, so a retry
 *   writes whole records only. If even that truncate fails, the bytes after the last good length are <em>in
 *   doubt</em>: {@link #append} refuses until {@link #resolveInDoubt()} has re-read them and returned the records
 *   already whole there, so the caller can skip what was written (idempotence is the caller's: the log does not
 *   know record keys).</li>
 *   <li><b>Rotation</b>: before an append that would take the active file past {@code maxBytes}, or once it is
 *   older than {@code maxAge}, the file is renamed atomically to {@code <name>-<UTC timestamp>.<ext>} (for
 *   {@code events.jsonl}: {@code events-20250101T120000.000Z.jsonl}) and a new one is started. Retention then
 *   deletes rotated files older than {@code retention} or beyond the newest {@code retentionMaxFiles}.</li>
 *   <li><b>Reads</b>: {@link #segments()} lists the rotated files then the active one, oldest first;
 *   {@link #scan(Segment, RecordVisitor)} reads one, {@link #scan(Position, RecordVisitor)} reads from a position
 *   onwards across files. Readers skip lines the validator refuses.</li>
 * </ul>
 *
 * One writer: the methods that change the file are synchronized. Scans may run alongside appends; a scan of the
 * active file sees the records that were whole when it started. A {@link Position} in the active file names the
 * active file, so it is only good until the next rotation (which {@link #rotate()} reports). Plain Java: no
 * Vert.x here; callers run it on a worker thread.
 */
public final class AppendOnlyLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AppendOnlyLog.class);
  /** Longest record accepted; longer lines found in a file are treated as invalid without being held in memory. */
  public static final int MAX_RECORD_BYTES = 16 << 20;
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final int WARN_LIMIT = 10;

  /** Opens the files of the log; the seam for fault injection in tests. */
  @FunctionalInterface
  public interface ChannelFactory {
    FileChannel open(Path path, Set<OpenOption> options) throws IOException;
  }

  /** Called for each valid record, oldest first; returns false to stop after this one. */
  @FunctionalInterface
  public interface RecordVisitor {
    boolean visit(Position at, byte[] record) throws IOException;
  }

  /**
   * Rotation and retention bounds (0 or a zero duration: no bound), the clock rotation reads, and how files are
   * opened.
   */
  public record Options(long maxBytes, Duration maxAge, Duration retention, int retentionMaxFiles, Clock clock, ChannelFactory channels) {
    public static final Options DEFAULTS = new Options(64L << 20, Duration.ofHours(24), Duration.ofDays(30), 100,
        Clock.systemUTC(), FileChannel::open);

    public Options withMaxBytes(long v) {
      return new Options(v, maxAge, retention, retentionMaxFiles, clock, channels);
    }

    public Options withMaxAge(Duration v) {
      return new Options(maxBytes, v, retention, retentionMaxFiles, clock, channels);
    }

    public Options withRetention(Duration v) {
      return new Options(maxBytes, maxAge, v, retentionMaxFiles, clock, channels);
    }

    public Options withRetentionMaxFiles(int v) {
      return new Options(maxBytes, maxAge, retention, v, clock, channels);
    }

    public Options withClock(Clock v) {
      return new Options(maxBytes, maxAge, retention, retentionMaxFiles, v, channels);
    }

    public Options withChannels(ChannelFactory v) {
      return new Options(maxBytes, maxAge, retention, retentionMaxFiles, clock, v);
    }
  }

  /**
   * What {@link #open} found in the active file: the whole records kept, the torn tail cut (offset -1 and no side
   * file when there was none), the corrupt lines skipped in the middle, and the side files that keep the bytes.
   */
  public record Recovery(Path file, long records, long length, long tornOffset, long tornBytes, int corruptLines, List<Path> sideFiles) {
    public boolean clean() {
      return tornBytes == 0 && corruptLines == 0;
    }
  }

  /** A file of the log: a rotated one (with the time it was rotated) or the active one ({@code rotatedAt} null). */
  public record Segment(Path path, Instant rotatedAt) {
    public boolean active() {
      return rotatedAt == null;
    }
  }

  /** A byte offset in one file of the log. */
  public record Position(Path file, long offset) {}

  private final Path file;
  private final Path dir;
  private final String prefix;
  private final String suffix;
  private final Pattern rotatedName;
  private final Predicate<byte[]> validator;
  private final Options options;
  private FileChannel channel;
  private long length;
  private boolean inDoubt;
  private boolean closed;
  private Instant activeSince;
  private Recovery recovery;

  private AppendOnlyLog(Path file, Predicate<byte[]> validator, Options options) {
    this.file = file.toAbsolutePath();
    this.dir = this.file.getParent();
    String name = this.file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.prefix = (dot > 0 ? name.substring(0, dot) : name) + "-";
    this.suffix = dot > 0 ? name.substring(dot) : "";
    this.rotatedName = Pattern.compile(Pattern.quote(prefix) + "(\\d{8}T\\d{6}\\.\\d{3}Z)" + Pattern.quote(suffix));
    this.validator = validator;
    this.options = options;
  }

  /** Opens (creating it if needed) the log whose active file is {@code file}, with the default options. */
  public static AppendOnlyLog open(Path file, Predicate<byte[]> validator) throws IOException {
    return open(file, validator, Options.DEFAULTS);
  }

  /**
   * Opens the log and checks the active file (see the class comment); {@link #recovery()} then tells what was
   * found. Rotated files past the retention bounds are deleted.
   */
  public static AppendOnlyLog open(Path file, Predicate<byte[]> validator, Options options) throws IOException {
    AppendOnlyLog log = new AppendOnlyLog(file, validator, options);
    try {
      log.recover();
      log.applyRetention();
    } catch (IOException | RuntimeException e) {
      if (log.channel != null) log.channel.close();
      throw e;
    }
    return log;
  }

  public Recovery recovery() {
    return recovery;
  }

  /** The active file. */
  public Path file() {
    return file;
  }

  /** Bytes of whole records in the active file: where the next append starts. */
  public synchronized long length() {
    return length;
  }

  /** True after a failed write whose roll-back failed too: {@link #resolveInDoubt()} must run before the next append. */
  public synchronized boolean inDoubt() {
    return inDoubt;
  }

  private void recover() throws IOException {
    Files.createDirectories(dir);
    channel = options.channels().open(file, Set.of(READ, WRITE, CREATE));
    long size = channel.size();
    long lastGood = 0;
    long records = 0;
    long lineNo = 0;
    int corrupt = 0;
    List<long[]> pending = new ArrayList<>(); // refused lines since the last valid one: {line, offset, length}
    List<Path> sideFiles = new ArrayList<>();
    LineReader reader = new LineReader(channel, 0, size, MAX_RECORD_BYTES);
    for (LineReader.Line line; (line = reader.next()) != null; ) {
      lineNo++;
      if (!line.terminated()) break; // the last piece: part of the tail
      if (line.blank()) {
        if (pending.isEmpty()) lastGood = line.end();
        continue;
      }
      if (line.bytes() != null && valid(line.bytes())) {
        for (long[] bad : pending) {
          corrupt++;
          keepCorrupt(bad[0], bad[1], bad[2], sideFiles);
        }
        pending.clear();
        records++;
        lastGood = line.end();
      } else {
        pending.add(new long[] {lineNo, line.offset(), line.length() + 1});
      }
    }
    long torn = size - lastGood;
    if (torn > 0) {
      Path side = keep(lastGood, torn, "torn");
      if (side != null) sideFiles.add(side);
      try {
        channel.truncate(lastGood);
        channel.force(true);
        LOG.warn("{}: torn tail of {} bytes at byte offset {} cut back to the last whole record ({} records kept); the cut bytes are in {}",
            file, torn, lastGood, records, side != null ? side : "no side file (it could not be written: see above)");
      } catch (IOException e) {
        inDoubt = true;
        LOG.warn("{}: torn tail of {} bytes at byte offset {} could not be cut ({}); kept in {}; the next append re-checks it",
            file, torn, lastGood, e.toString(), side);
      }
    }
    length = lastGood;
    activeSince = startOfActive();
    recovery = new Recovery(file, records, lastGood, torn > 0 ? lastGood : -1, torn, corrupt, List.copyOf(sideFiles));
  }

  private boolean valid(byte[] line) {
    try {
      return validator.test(line);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void keepCorrupt(long lineNo, long offset, long bytes, List<Path> sideFiles) throws IOException {
    Path side = keep(offset, bytes, "corrupt");
    if (side != null) sideFiles.add(side);
    LOG.warn("{}: line {} (byte offset {}, {} bytes) is not a whole record: skipped by readers, left in place, copied to {}",
        file, lineNo, offset, bytes, side != null ? side : "no side file (it could not be written: see above)");
  }

  /**
   * Copies {@code bytes} bytes at {@code offset} of the active file to {@code <file>.<kind>-<offset>} (or an existing
   * side file with the same bytes), synced. Returns null, with a WARN, if it cannot be written: keeping the bytes is
   * worth less than starting.
   */
  private Path keep(long offset, long bytes, String kind) throws IOException {
    byte[] wanted = bytes <= (1 << 20) ? read(channel, offset, (int) bytes) : null;
    String base = file.getFileName() + "." + kind + "-" + offset;
    for (int n = 0; n < 100; n++) {
      Path side = dir.resolve(n == 0 ? base : base + "." + n);
      if (Files.exists(side)) {
        if (wanted != null && Files.size(side) == bytes && Arrays.equals(Files.readAllBytes(side), wanted)) return side;
        continue;
      }
      try (FileChannel out = FileChannel.open(side, CREATE_NEW, WRITE)) {
        long done = 0;
        while (done < bytes) done += channel.transferTo(offset + done, bytes - done, out);
        out.force(true);
        syncDirectory();
        return side;
      } catch (FileAlreadyExistsException e) {
        continue;
      } catch (IOException e) {
        Files.deleteIfExists(side);
        String text = wanted != null ? new String(wanted, 0, Math.min(wanted.length, 1024), StandardCharsets.UTF_8) : "(" + bytes + " bytes)";
        LOG.warn("{}: could not write side file {} ({}); the {} bytes at offset {} were: {}", file, side, e.toString(), bytes, offset, text);
        return null;
      }
    }
    LOG.warn("{}: too many side files named {}*", file, base);
    return null;
  }

  private static byte[] read(FileChannel channel, long offset, int bytes) throws IOException {
    ByteBuffer into = ByteBuffer.allocate(bytes);
    while (into.hasRemaining()) {
      if (channel.read(into, offset + into.position()) < 0) break;
    }
    return Arrays.copyOf(into.array(), into.position());
  }

  /** When the active file was started: the last rotation if any (the active file began then), else its creation. */
  private Instant startOfActive() throws IOException {
    Instant now = options.clock().instant();
    List<Segment> rotated = rotatedSegments();
    Instant since;
    if (!rotated.isEmpty()) since = rotated.get(rotated.size() - 1).rotatedAt();
    else since = Files.readAttributes(file, BasicFileAttributes.class).creationTime().toInstant();
    return since.isAfter(now) ? now : since;
  }

  /**
   * Appends the records, each followed by a newline, and forces them to disk; returns where the first one starts.
   * Rotates first when due. On failure the file is cut back to its last good length before the exception
   * propagates; if that fails too, the log is {@link #inDoubt()}.
   *
   * @throws IllegalArgumentException if a record is empty, longer than {@link #MAX_RECORD_BYTES} or holds a newline
   * @throws IllegalStateException if the log is in doubt or closed
   */
  public synchronized Position append(List<byte[]> records) throws IOException {
    checkWritable();
    long total = 0;
    for (byte[] r : records) {
      if (r.length == 0 || r.length > MAX_RECORD_BYTES) throw new IllegalArgumentException("a record must hold 1 to " + MAX_RECORD_BYTES + " bytes: " + r.length);
      for (byte b : r) if (b == '\n') throw new IllegalArgumentException("a record must not hold a newline");
      total += r.length + 1;
    }
    if (records.isEmpty()) return new Position(file, length);
    if (length == 0) activeSince = options.clock().instant(); // the file's age counts from its first record
    if (rotationDue(total)) {
      try {
        rotate();
      } catch (IOException e) { // rotation is housekeeping: keep appending to the current file
        LOG.warn("{}: rotation failed ({}); appending to the current file", file, e.toString());
      }
    }
    reopenIfClosed();
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(total));
    for (byte[] r : records) buf.put(r).put((byte) '\n');
    buf.flip();
    long start = length;
    try {
      while (buf.hasRemaining()) channel.write(buf, start + buf.position());
      channel.force(false);
    } catch (IOException e) {
      rollBack(start, e);
      throw e;
    }
    length = start + total;
    return new Position(file, start);
  }

  private void rollBack(long to, IOException cause) {
    try {
      reopenIfClosed();
      channel.truncate(to);
      channel.force(false);
      LOG.warn("{}: write failed ({}); cut back to byte {}, the end of the last whole record", file, cause.toString(), to);
    } catch (IOException | RuntimeException e) {
      inDoubt = true;
      cause.addSuppressed(e);
      LOG.warn("{}: write failed ({}) and cutting back to byte {} failed too ({}): the bytes after it are in doubt until re-checked",
          file, cause.toString(), to, e.toString());
    }
  }

  /**
   * After a failed write whose roll-back failed: re-reads the bytes after the last good length, keeps the records
   * already whole there (a prefix of the failed batch), cuts the rest, and returns the records kept, oldest first,
   * so the caller can skip them when it retries. Returns an empty list when nothing is in doubt. If the cut fails
   * again, nothing changes and the exception propagates (call again later).
   */
  public synchronized List<byte[]> resolveInDoubt() throws IOException {
    if (closed) throw new IllegalStateException(file + ": closed");
    if (!inDoubt) return List.of();
    reopenIfClosed();
    long size = channel.size();
    List<byte[]> whole = new ArrayList<>();
    long end = length;
    LineReader reader = new LineReader(channel, length, size, MAX_RECORD_BYTES);
    for (LineReader.Line line; (line = reader.next()) != null; ) {
      if (!line.terminated() || line.bytes() == null || line.blank() || !valid(line.bytes())) break;
      whole.add(line.bytes());
      end = line.end();
    }
    if (size > end) channel.truncate(end);
    channel.force(false);
    LOG.warn("{}: bytes {}..{} in doubt after a failed write re-checked: {} whole records kept there, {} bytes cut",
        file, length, size, whole.size(), size - end);
    length = end;
    inDoubt = false;
    return whole;
  }

  /**
   * Cuts the active file back to {@code newLength}, which must be the end of a record (or 0) and not beyond
   * {@link #length()} (for a spill file: drop what was replayed). Clears a doubt.
   */
  public synchronized void truncate(long newLength) throws IOException {
    if (closed) throw new IllegalStateException(file + ": closed");
    if (newLength < 0 || newLength > length) throw new IllegalArgumentException("length " + newLength + " outside 0.." + length);
    reopenIfClosed();
    if (newLength > 0 && read(channel, newLength - 1, 1)[0] != '\n') throw new IllegalArgumentException(newLength + " is not the end of a record");
    channel.truncate(newLength);
    channel.force(false);
    length = newLength;
    inDoubt = false;
  }

  private boolean rotationDue(long adding) {
    if (length == 0) return false;
    if (options.maxBytes() > 0 && length + adding > options.maxBytes()) return true;
    return !options.maxAge().isZero() && !activeSince.plus(options.maxAge()).isAfter(options.clock().instant());
  }

  /**
   * Renames the active file to {@code <name>-<UTC timestamp>.<ext>} (atomically, synced), starts a new empty one
   * and applies retention. Returns the rotated file, or empty when the active file holds nothing.
   */
  public synchronized Optional<Segment> rotate() throws IOException {
    checkWritable();
    if (length == 0) return Optional.empty();
    reopenIfClosed();
    Instant at = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    Path target = dir.resolve(prefix + STAMP.format(at) + suffix);
    while (Files.exists(target)) { // keeps names unique and in time order
      at = at.plusMillis(1);
      target = dir.resolve(prefix + STAMP.format(at) + suffix);
    }
    if (channel.size() > length) channel.truncate(length); // only whole records go into a rotated file
    channel.force(true);
    channel.close();
    try {
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      reopenIfClosed(); // still the same file, same length
      throw e;
    }
    length = 0;
    activeSince = at;
    syncDirectory();
    channel = options.channels().open(file, Set.of(READ, WRITE, CREATE)); // if this fails, the next append retries it
    syncDirectory();
    LOG.info("{}: rotated to {}", file, target.getFileName());
    applyRetention();
    return Optional.of(new Segment(target, at));
  }

  /** Deletes rotated files older than the retention or beyond the newest {@code retentionMaxFiles}; returns them. */
  public synchronized List<Path> applyRetention() throws IOException {
    List<Segment> rotated = rotatedSegments();
    Instant oldest = options.retention().isZero() ? Instant.MIN : options.clock().instant().minus(options.retention());
    int beyond = options.retentionMaxFiles() > 0 ? rotated.size() - options.retentionMaxFiles() : 0;
    List<Path> deleted = new ArrayList<>();
    for (int i = 0; i < rotated.size(); i++) {
      Segment s = rotated.get(i);
      if (i < beyond || s.rotatedAt().isBefore(oldest)) {
        try {
          Files.deleteIfExists(s.path());
          deleted.add(s.path());
        } catch (IOException e) {
          LOG.warn("{}: could not delete {} past retention ({})", file, s.path(), e.toString());
        }
      }
    }
    if (!deleted.isEmpty()) {
      syncDirectory();
      LOG.info("{}: retention deleted {} rotated files: {}", file, deleted.size(), deleted.stream().map(p -> p.getFileName().toString()).toList());
    }
    return deleted;
  }

  /** The rotated files, oldest first, then the active file. */
  public List<Segment> segments() throws IOException {
    List<Segment> all = rotatedSegments();
    all.add(new Segment(file, null));
    return all;
  }

  private List<Segment> rotatedSegments() throws IOException {
    List<Segment> rotated = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*" + suffix)) {
      for (Path p : files) {
        Matcher m = rotatedName.matcher(p.getFileName().toString());
        if (m.matches()) rotated.add(new Segment(p, Instant.from(STAMP.parse(m.group(1)))));
      }
    }
    rotated.sort(Comparator.comparing(Segment::rotatedAt));
    return rotated;
  }

  /** Reads every valid record of one file, oldest first; returns the position after the last one visited. */
  public Position scan(Segment segment, RecordVisitor visitor) throws IOException {
    return scanFile(segment.path(), 0, visitor).at();
  }

  /**
   * Reads the valid records from {@code from} onwards, across the rotated files and into the active one, oldest
   * first; returns the position after the last record visited. If {@code from} names a rotated file retention has
   * deleted since, reading starts at the oldest file left that is newer.
   */
  public Position scan(Position from, RecordVisitor visitor) throws IOException {
    List<Segment> all = segments();
    Path target = from.file().toAbsolutePath();
    int first = -1;
    for (int i = 0; i < all.size() && first < 0; i++) if (all.get(i).path().equals(target)) first = i;
    long offset = first >= 0 ? from.offset() : 0;
    if (first < 0) {
      Matcher m = rotatedName.matcher(target.getFileName().toString());
      first = 0;
      if (m.matches()) {
        Instant named = Instant.from(STAMP.parse(m.group(1)));
        first = all.size() - 1;
        for (int i = 0; i < all.size() - 1; i++) {
          if (all.get(i).rotatedAt().isAfter(named)) {
            first = i;
            break;
          }
        }
      }
    }
    Position at = from;
    for (int i = first; i < all.size(); i++) {
      ScanEnd end = scanFile(all.get(i).path(), i == first ? offset : 0, visitor);
      at = end.at();
      if (!end.more()) break;
    }
    return at;
  }

  private record ScanEnd(Position at, boolean more) {}

  private ScanEnd scanFile(Path path, long from, RecordVisitor visitor) throws IOException {
    long limit;
    synchronized (this) {
      limit = path.equals(file) ? length : -1;
    }
    try (FileChannel in = options.channels().open(path, Set.of(READ))) {
      if (limit < 0) limit = in.size();
      long at = Math.min(from, limit);
      LineReader reader = new LineReader(in, at, limit, MAX_RECORD_BYTES);
      int refused = 0;
      for (LineReader.Line line; (line = reader.next()) != null; ) {
        at = line.end();
        if (line.blank()) continue;
        if (!line.terminated() || line.bytes() == null || !valid(line.bytes())) {
          if (++refused <= WARN_LIMIT) LOG.warn("{}: byte offset {}: {} bytes that are not a whole record, skipped", path, line.offset(), line.length());
          continue;
        }
        if (!visitor.visit(new Position(path, line.offset()), line.bytes())) return new ScanEnd(new Position(path, at), false);
      }
      if (refused > WARN_LIMIT) LOG.warn("{}: {} lines that are not whole records skipped in all", path, refused);
      return new ScanEnd(new Position(path, at), true);
    } catch (NoSuchFileException e) { // deleted by retention meanwhile
      return new ScanEnd(new Position(path, from), true);
    }
  }

  private void checkWritable() {
    if (closed) throw new IllegalStateException(file + ": closed");
    if (inDoubt) throw new IllegalStateException(file + ": bytes after offset " + length + " are in doubt after a failed write; call resolveInDoubt() first");
  }

  /** A channel closed under us (an interrupted thread closes it) is opened again. */
  private void reopenIfClosed() throws IOException {
    if (!channel.isOpen()) channel = options.channels().open(file, Set.of(READ, WRITE, CREATE));
  }

  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.debug("cannot sync directory {}: {}", dir, e.toString()); // not supported everywhere
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) return;
    closed = true;
    channel.close();
  }
}

package io.recserve.model.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Reads the lines of a file between two byte offsets, with positional reads (the channel's position is not used).
 * A line longer than {@code maxLine} is not held in memory: it comes back with {@code bytes == null} and its length.
 */
final class LineReader {
  /** One line: where it starts, how long it is without its newline, whether a newline ends it. */
  record Line(long offset, long length, byte[] bytes, boolean terminated) {
    long end() {
      return offset + length + (terminated ? 1 : 0);
    }

    boolean blank() {
      if (bytes == null) return false;
      for (byte b : bytes) if (b != ' ' && b != '\t' && b != '\r') return false;
      return true;
    }
  }

  private final FileChannel channel;
  private final long limit;
  private final int maxLine;
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int end;
  private long bufOffset; // file offset of buf[0]
  private long next;      // file offset of the next byte to read into buf

  LineReader(FileChannel channel, long from, long limit, int maxLine) {
    this.channel = channel;
    this.limit = limit;
    this.maxLine = maxLine;
    this.bufOffset = from;
    this.next = from;
  }

  /** The next line, or null when {@code limit} is reached. */
  Line next() throws IOException {
    long start = bufOffset + pos;
    long skipped = 0; // bytes of an over-long line already dropped from buf
    int scanFrom = pos;
    while (true) {
      for (int i = scanFrom; i < end; i++) {
        if (buf[i] == '\n') {
          long length = skipped + (i - pos);
          byte[] bytes = skipped == 0 && length <= maxLine ? Arrays.copyOfRange(buf, pos, i) : null;
          pos = i + 1;
          return new Line(start, length, bytes, true);
        }
      }
      if (next >= limit) { // no newline before the limit
        if (start >= limit) return null;
        long length = skipped + (end - pos);
        byte[] bytes = skipped == 0 && length <= maxLine ? Arrays.copyOfRange(buf, pos, end) : null;
        pos = end;
        return new Line(start, length, bytes, false);
      }
      if (end - pos > maxLine) { // over-long: drop what is held, keep counting
        skipped += end - pos;
        bufOffset += end;
        pos = 0;
        end = 0;
      } else if (pos > 0) { // keep the partial line, make room behind it
        System.arraycopy(buf, pos, buf, 0, end - pos);
        bufOffset += pos;
        end -= pos;
        pos = 0;
      }
      if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
      scanFrom = end;
      int want = (int) Math.min(buf.length - end, limit - next);
      ByteBuffer into = ByteBuffer.wrap(buf, end, want);
      while (into.hasRemaining()) {
        int n = channel.read(into, next + (into.position() - end));
        if (n < 0) throw new IOException("file shorter than expected: ended at byte " + (next + into.position() - end) + ", " + limit + " expected");
      }
      next += want;
      end += want;
    }
  }
}

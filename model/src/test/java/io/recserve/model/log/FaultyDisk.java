package io.recserve.model.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A disk that fills up: every channel opened through {@link #channels()} writes until {@link #failAfter} more bytes
 * have been written, then writes the part that fits and fails as ENOSPC does; optionally truncate fails too while
 * the disk is full (as on an I/O error). {@link #heal()} gives the space back. Shared with the analytics tests.
 */
public final class FaultyDisk {
  private long budget = Long.MAX_VALUE;
  private boolean truncateFails;
  private int writeFailures;
  private int truncateFailures;

  /** The next writes succeed for {@code bytes} more bytes in all, then fail. */
  public synchronized FaultyDisk failAfter(long bytes) {
    budget = bytes;
    return this;
  }

  /** While the disk is full, truncate fails as well. */
  public synchronized FaultyDisk truncateFails(boolean fails) {
    truncateFails = fails;
    return this;
  }

  public synchronized FaultyDisk heal() {
    budget = Long.MAX_VALUE;
    truncateFails = false;
    return this;
  }

  public synchronized int writeFailures() {
    return writeFailures;
  }

  public synchronized int truncateFailures() {
    return truncateFailures;
  }

  public AppendOnlyLog.ChannelFactory channels() {
    return (path, options) -> new Channel(FileChannel.open(path, options));
  }

  private synchronized int allow(int wanted) throws IOException {
    if (budget <= 0) {
      writeFailures++;
      throw new IOException("No space left on device (injected)");
    }
    int n = (int) Math.min(wanted, budget);
    budget -= n;
    return n;
  }

  private synchronized void checkTruncate() throws IOException {
    if (truncateFails && budget <= 0) {
      truncateFailures++;
      throw new IOException("Input/output error (injected, truncate)");
    }
  }

  private final class Channel extends FileChannel {
    private final FileChannel d;

    Channel(FileChannel delegate) {
      this.d = delegate;
    }

    private int limited(ByteBuffer src, WriteOp op) throws IOException {
      int n = allow(src.remaining());
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + n);
      int written = op.write(part);
      src.position(src.position() + written);
      return written;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return limited(src, d::write);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return limited(src, part -> d.write(part, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        if (!srcs[i].hasRemaining()) continue;
        int n = write(srcs[i]);
        total += n;
        if (srcs[i].hasRemaining()) break;
      }
      return total;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      checkTruncate();
      d.truncate(size);
      return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
      d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      throw new IOException("not supported by the fault-injecting channel");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new IOException("not supported by the fault-injecting channel");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }

  @FunctionalInterface
  private interface WriteOp {
    int write(ByteBuffer part) throws IOException;
  }
}

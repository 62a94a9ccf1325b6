package io.recserve.model.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Vectors as float32 little-endian bytes: the form they take in PostgreSQL ({@code bytea}) and in model files. */
public final class VectorCodec {
  private VectorCodec() {}

  public static byte[] encode(float[] source, int offset, int length) {
    ByteBuffer buffer = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(source, offset, length);
    return buffer.array();
  }

  public static void decode(byte[] bytes, float[] target, int offset) {
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target, offset, bytes.length / Float.BYTES);
  }
}

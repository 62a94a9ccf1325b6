package io.recserve.model.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one byte form of vectors and id lists everywhere Recserve keeps or sends them: float32 and int32,
 * little-endian. PostgreSQL's {@code bytea} columns, the model files and the event-bus messages (as base64) all use it.
 */
public final class VectorCodec {
  public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

  private VectorCodec() {}

  public static byte[] encode(float[] source, int offset, int length) {
    ByteBuffer buffer = ByteBuffer.allocate(length * Float.BYTES).order(ORDER);
    buffer.asFloatBuffer().put(source, offset, length);
    return buffer.array();
  }

  public static byte[] encode(float[] source) {
    return encode(source, 0, source.length);
  }

  public static void decode(byte[] bytes, float[] target, int offset) {
    ByteBuffer.wrap(bytes).order(ORDER).asFloatBuffer().get(target, offset, bytes.length / Float.BYTES);
  }

  public static float[] decodeFloats(byte[] bytes) {
    float[] values = new float[bytes.length / Float.BYTES];
    decode(bytes, values, 0);
    return values;
  }

  public static byte[] encodeInts(int[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Integer.BYTES).order(ORDER);
    buffer.asIntBuffer().put(values);
    return buffer.array();
  }

  public static int[] decodeInts(byte[] bytes) {
    int[] values = new int[bytes.length / Integer.BYTES];
    ByteBuffer.wrap(bytes).order(ORDER).asIntBuffer().get(values);
    return values;
  }
}

package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * JSON conversions shared by the message records. Vectors and id lists travel as base64 text of little-endian
 * float32 / int32 values: a string copies for free on the local bus and costs no number formatting across nodes.
 * In Python: {@code numpy.frombuffer(base64.b64decode(s), "<f4")} (or {@code "<i4"}).
 */
final class Shapes {
  private Shapes() {}

  static String packFloats(float[] values) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return java.util.Base64.getEncoder().encodeToString(buffer.array());
  }

  static float[] unpackFloats(String text) {
    if (text == null || text.isEmpty()) return new float[0];
    java.nio.FloatBuffer buffer = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(text)).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  static String packInts(int[] values) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    buffer.asIntBuffer().put(values);
    return java.util.Base64.getEncoder().encodeToString(buffer.array());
  }

  static int[] unpackInts(String text) {
    if (text == null || text.isEmpty()) return new int[0];
    java.nio.IntBuffer buffer = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(text)).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    int[] values = new int[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  static int requireInt(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (!(v instanceof Number n)) throw new IllegalArgumentException("message field '" + field + "' must be an integer");
    return n.intValue();
  }

  static String requireString(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (!(v instanceof String s)) throw new IllegalArgumentException("message field '" + field + "' must be a string");
    return s;
  }
}

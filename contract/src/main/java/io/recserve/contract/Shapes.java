package io.recserve.contract;

import io.recserve.model.store.VectorCodec;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * JSON conversions shared by the message records. Vectors and id lists travel as base64 text of little-endian
 * float32 / int32 values ({@link VectorCodec}, the same bytes as in the model files and PostgreSQL): a string copies
 * for free on the local bus and costs no number formatting across nodes.
 * In Python: {@code numpy.frombuffer(base64.b64decode(s), "<f4")} (or {@code "<i4"}).
 */
final class Shapes {
  private Shapes() {}

  static String packFloats(float[] values) {
    return Base64.getEncoder().encodeToString(VectorCodec.encode(values));
  }

  static float[] unpackFloats(String text) {
    return text == null || text.isEmpty() ? new float[0] : VectorCodec.decodeFloats(Base64.getDecoder().decode(text));
  }

  static String packInts(int[] values) {
    return Base64.getEncoder().encodeToString(VectorCodec.encodeInts(values));
  }

  static int[] unpackInts(String text) {
    return text == null || text.isEmpty() ? new int[0] : VectorCodec.decodeInts(Base64.getDecoder().decode(text));
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

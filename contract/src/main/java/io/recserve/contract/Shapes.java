package io.recserve.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** JSON conversions shared by the message records. */
final class Shapes {
  private Shapes() {}

  static JsonArray floats(float[] values) {
    JsonArray array = new JsonArray(new java.util.ArrayList<>(values.length));
    for (float v : values) array.add(v);
    return array;
  }

  static JsonArray ints(int[] values) {
    JsonArray array = new JsonArray(new java.util.ArrayList<>(values.length));
    for (int v : values) array.add(v);
    return array;
  }

  static float[] floats(JsonArray array) {
    if (array == null) return new float[0];
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) values[i] = ((Number) array.getValue(i)).floatValue();
    return values;
  }

  static int[] ints(JsonArray array) {
    if (array == null) return new int[0];
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) values[i] = ((Number) array.getValue(i)).intValue();
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

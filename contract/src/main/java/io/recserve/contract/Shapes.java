package io.recserve.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.recserve.model.store.VectorCodec;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
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

  /** Jackson's own fast parser of decimals: the scores of analytics events were most of reading them. */
  private static final JsonFactory JSON = JsonFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  /** A streaming parser over {@code text}, for the replies read without a JSON tree; its offsets are chars of the text. */
  static JsonParser parser(String text) {
    try {
      JsonParser p = JSON.createParser(text);
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("message must be a JSON object");
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the body object a parser is at (within {@code text}), leaving the parser at its end; fails when the body is
   * not the record it reads.
   */
  interface BodyReader {
    Object read(JsonParser p, String text) throws IOException;
  }

  /** Reads the object that is a message's whole {@code text}, at whose start the parser is. */
  interface Reading<T> {
    T read(JsonParser p) throws IOException;
  }

  /** {@code reading} over a {@link #parser} of {@code text}, closed after; a parser's failure comes out unchecked. */
  static <T> T read(String text, Reading<T> reading) {
    try (JsonParser p = parser(text)) {
      return reading.read(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The array or object the parser is at, as the text it is in {@code text}; the parser is left at its end. */
  static String raw(JsonParser p, String text) throws IOException {
    int start = (int) p.currentTokenLocation().getCharOffset();
    p.skipChildren();
    return text.substring(start, (int) p.currentTokenLocation().getCharOffset() + 1);
  }

  /** {@code value} as a JSON string, quotes included. */
  static StringBuilder quote(StringBuilder out, String value) {
    out.append('"');
    JsonStringEncoder.getInstance().quoteAsString(value, out);
    return out.append('"');
  }

  /** {@code "<prefix>_version":v,"<prefix>_id":"id"} after a comma, as {@link ModelRef#put} writes them; nothing for null. */
  static StringBuilder model(StringBuilder out, String prefix, ModelRef ref) {
    if (ref == null) return out;
    out.append(",\"").append(prefix).append("_version\":").append(ref.version()).append(",\"").append(prefix).append("_id\":");
    return quote(out, ref.id());
  }
}

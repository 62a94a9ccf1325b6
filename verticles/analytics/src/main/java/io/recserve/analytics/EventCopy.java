package io.recserve.analytics;

import io.recserve.contract.RecommendationEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * A batch of events in PostgreSQL's binary {@code COPY} format, for
 * {@code COPY recommendation_events (COLUMNS) FROM STDIN (FORMAT binary)}: a header, then per event its ten fields,
 * each as a length and the value in the type's binary form (uuid, text, int4, int4, int4[], float4[], int8, bool,
 * float8, timestamptz), then a trailer. Plain Java: the bytes are built in one array sized in advance, with no object
 * per field.
 */
final class EventCopy {
  static final String COLUMNS = "request_id, kind, user_id, cutoff, movie_ids, scores, model_version, cache_hit, latency_ms, created_at";
  private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
  private static final short FIELDS = 10;
  private static final int INT4_OID = 23;
  private static final int FLOAT4_OID = 700;
  /** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

  private EventCopy() {}

  /** An event whose request id is not a UUID: PostgreSQL could not hold it whatever the server's state. */
  static final class NotUuid extends RuntimeException {
    NotUuid(String requestId) {
      super("request_id " + requestId + " is not a UUID", null, false, false);
    }
  }

  /** The event's request id as the UUID the table keeps; {@link NotUuid} when it is none. */
  static UUID requestId(RecommendationEvent e) {
    try {
      return UUID.fromString(e.requestId());
    } catch (IllegalArgumentException notUuid) {
      throw new NotUuid(e.requestId());
    }
  }

  static byte[] encode(List<RecommendationEvent> events) {
    int size = HEADER.length + 2;
    byte[][] kinds = new byte[events.size()][];
    UUID[] ids = new UUID[events.size()];
    for (int i = 0; i < events.size(); i++) {
      RecommendationEvent e = events.get(i);
      ids[i] = requestId(e);
      kinds[i] = e.kind().getBytes(StandardCharsets.UTF_8);
      size += 2 + FIELDS * 4 + 16 + kinds[i].length + (e.userId() == null ? 0 : 4) + 4 + 2 * array(e.movieIds().length)
          + 8 + 1 + 8 + 8;
    }
    ByteBuffer out = ByteBuffer.allocate(size); // big-endian, as COPY's binary format is
    out.put(HEADER);
    for (int i = 0; i < events.size(); i++) {
      RecommendationEvent e = events.get(i);
      out.putShort(FIELDS);
      out.putInt(16).putLong(ids[i].getMostSignificantBits()).putLong(ids[i].getLeastSignificantBits());
      out.putInt(kinds[i].length).put(kinds[i]);
      if (e.userId() == null) out.putInt(-1);
      else out.putInt(4).putInt(e.userId());
      out.putInt(4).putInt(e.cutoff());
      int n = e.movieIds().length;
      arrayHead(out, n, INT4_OID);
      for (int m : e.movieIds()) out.putInt(4).putInt(m);
      arrayHead(out, n, FLOAT4_OID);
      for (float s : e.scores()) out.putInt(4).putFloat(s);
      out.putInt(8).putLong(e.modelVersion());
      out.putInt(1).put((byte) (e.cacheHit() ? 1 : 0));
      out.putInt(8).putDouble(e.latencyMs());
      out.putInt(8).putLong(e.timeMillis() * 1000 - PG_EPOCH_MICROS);
    }
    out.putShort((short) -1);
    return out.array();
  }

  /** An array's bytes: dimensions, null flag and element type, then (for a non-empty one) its size, lower bound and elements. */
  private static int array(int n) {
    return n == 0 ? 12 : 20 + 8 * n;
  }

  private static void arrayHead(ByteBuffer out, int n, int elementOid) {
    out.putInt(array(n));
    if (n == 0) {
      out.putInt(0).putInt(0).putInt(elementOid);
      return;
    }
    out.putInt(1).putInt(0).putInt(elementOid).putInt(n).putInt(1);
  }
}

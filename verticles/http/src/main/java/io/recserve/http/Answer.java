package io.recserve.http;

import io.netty.buffer.Unpooled;
import io.recserve.contract.ModelRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a recommendation request is answered with, and where it came from: the recommendations as UTF-8 JSON (encoded
 * once by the ANN node, cached as it is, spliced into each response), the movie ids and scores the analytics event
 * carries, the model version that scored them (null when nothing was scored), and whether a cache answered.
 */
record Answer(byte[] recommendations, int[] movieIds, float[] scores, ModelRef model, boolean cacheHit, long generation) {
  Answer(byte[] recommendations, int[] movieIds, float[] scores, ModelRef model, boolean cacheHit) {
    this(recommendations, movieIds, scores, model, cacheHit, 0);
  }

  private static final byte[] EMPTY_LIST = "[]".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HEAD = "{\"request_id\":\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] MIDDLE = "\",\"recommendations\":".getBytes(StandardCharsets.UTF_8);

  static Answer empty(ModelRef model) {
    return new Answer(EMPTY_LIST, new int[0], new float[0], model, false);
  }

  Answer fromCache() {
    return new Answer(recommendations, movieIds, scores, model, true, generation);
  }

  Answer withRecommendations(String json) {
    return new Answer(json.getBytes(StandardCharsets.UTF_8), movieIds, scores, model, cacheHit, generation);
  }

  Answer withGeneration(long generation) {
    return new Answer(recommendations, movieIds, scores, model, cacheHit, generation);
  }

  boolean isEmpty() {
    return movieIds.length == 0;
  }

  /** What it holds in memory, for the near-cache's byte bound. */
  long bytes() {
    return 64 + recommendations.length + 8L * movieIds.length;
  }

  /**
   * The HTTP body: {@code {"request_id":"...","recommendations":[...]}}, written into one array that the buffer wraps
   * (no further copy until Netty's into the socket's buffer). Appending to a growing buffer cost 8% of the cached path,
   * and a composite of the parts more (Netty merges one into a fresh buffer before copying it).
   */
  Buffer body(String requestId) {
    byte[] out = new byte[HEAD.length + requestId.length() + MIDDLE.length + recommendations.length + 1];
    System.arraycopy(HEAD, 0, out, 0, HEAD.length);
    int at = HEAD.length;
    for (int i = 0; i < requestId.length(); i++) out[at++] = (byte) requestId.charAt(i); // a UUID: ASCII
    System.arraycopy(MIDDLE, 0, out, at, MIDDLE.length);
    at += MIDDLE.length;
    System.arraycopy(recommendations, 0, out, at, recommendations.length);
    out[out.length - 1] = '}';
    return BufferInternal.buffer(Unpooled.wrappedBuffer(out));
  }

  /**
   * The text the cache verticle keeps (it never reads it): {@code model_version|model_id|generation|ids|scores|recommendations},
   * ids and scores as base64 of little-endian int32 / float32, the recommendations as their JSON.
   */
  String toCache() {
    return model.version() + "|" + model.id() + "|" + generation + "|" + Base64.getEncoder().encodeToString(io.recserve.model.store.VectorCodec.encodeInts(movieIds))
        + "|" + Base64.getEncoder().encodeToString(io.recserve.model.store.VectorCodec.encode(scores)) + "|"
        + new String(recommendations, StandardCharsets.UTF_8);
  }

  static Answer fromCache(String text) {
    String[] parts = text.split("\\|", 6);
    if (parts.length != 6) throw new IllegalArgumentException("not a cached answer");
    return new Answer(parts[5].getBytes(StandardCharsets.UTF_8), io.recserve.model.store.VectorCodec.decodeInts(Base64.getDecoder().decode(parts[3])),
        io.recserve.model.store.VectorCodec.decodeFloats(Base64.getDecoder().decode(parts[4])),
        new ModelRef(Long.parseLong(parts[0]), parts[1]), true, Long.parseLong(parts[2]));
  }
}

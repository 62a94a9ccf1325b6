package io.recserve.http;

import io.vertx.core.buffer.Buffer;

/**
 * The body nearly every {@code POST /recommend} carries, {@code {"user_id": u}} or {@code {"user_id": u, "cutoff": k}}
 * (either order, any JSON whitespace), read straight from its bytes: no JSON tree, no schema walk. The profile of the
 * cached path put the general way (Jackson, then openapi.yaml's schema through vertx-json-schema) at a third of the
 * node's CPU (docs/performance.md).
 *
 * <p>It only ever says yes to a body openapi.yaml's {@code RecommendRequest} accepts, with the same meaning: a
 * {@code user_id} that fits 32 bits, a {@code cutoff} from 1 to 100, plain JSON integers (no fraction, exponent, leading
 * zero or {@code -0}), each field once, nothing else. Anything else, including every faulty body, gets null and takes
 * the general way, which names the fault. {@code PlainRecommendBodyTest} checks both against the document.
 */
final class PlainRecommendBody {
  /** Longer bodies are not worth the byte walk: they carry more than the two fields, or a lot of whitespace. */
  static final int MAX_BYTES = 96;
  private static final byte[] USER_ID = {'u', 's', 'e', 'r', '_', 'i', 'd'};
  private static final byte[] CUTOFF = {'c', 'u', 't', 'o', 'f', 'f'};
  private static final long NONE = Long.MIN_VALUE;

  private final Buffer body;
  private final int end;
  private int at;

  private PlainRecommendBody(Buffer body) {
    this.body = body;
    this.end = body.length();
  }

  /** The request, or null when the body is not of the plain shape (then the general way decides). */
  static RecommendationRequest read(Buffer body) {
    if (body == null || body.length() > MAX_BYTES) return null;
    return new PlainRecommendBody(body).request();
  }

  private RecommendationRequest request() {
    long userId = NONE;
    long cutoff = NONE;
    space();
    if (!take('{')) return null;
    do {
      space();
      if (!take('"')) return null;
      boolean user;
      if (word(USER_ID)) user = true;
      else if (word(CUTOFF)) user = false;
      else return null;
      space();
      if (!take(':')) return null;
      space();
      long value = integer();
      if (value == NONE) return null;
      if (user) {
        if (userId != NONE) return null;
        userId = value;
      } else {
        if (cutoff != NONE) return null;
        cutoff = value;
      }
      space();
    } while (take(','));
    if (!take('}')) return null;
    space();
    if (at != end || userId == NONE || userId < Integer.MIN_VALUE || userId > Integer.MAX_VALUE) return null;
    if (cutoff == NONE) cutoff = RecommendationRequest.DEFAULT_CUTOFF;
    else if (cutoff < 1 || cutoff > 100) return null;
    return new RecommendationRequest((int) userId, (int) cutoff);
  }

  private void space() {
    while (at < end) {
      byte b = body.getByte(at);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return;
      at++;
    }
  }

  private boolean take(char c) {
    if (at < end && body.getByte(at) == c) {
      at++;
      return true;
    }
    return false;
  }

  /** The key's letters and its closing quote. */
  private boolean word(byte[] letters) {
    if (end - at < letters.length + 1) return false;
    for (int i = 0; i < letters.length; i++) if (body.getByte(at + i) != letters[i]) return false;
    if (body.getByte(at + letters.length) != '"') return false;
    at += letters.length + 1;
    return true;
  }

  /** A JSON integer of at most 10 digits, not followed by a fraction or an exponent; NONE otherwise. */
  private long integer() {
    boolean negative = take('-');
    int first = at;
    long value = 0;
    while (at < end) {
      byte b = body.getByte(at);
      if (b < '0' || b > '9') break;
      value = value * 10 + (b - '0');
      at++;
    }
    int digits = at - first;
    if (digits == 0 || digits > 10 || (digits > 1 && body.getByte(first) == '0')) return NONE;
    if (negative && value == 0) return NONE;
    if (at < end) {
      byte next = body.getByte(at);
      if (next == '.' || next == 'e' || next == 'E') return NONE;
    }
    return negative ? -value : value;
  }
}

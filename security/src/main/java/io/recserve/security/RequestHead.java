package io.recserve.security;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * What both listeners check of a request before routing it: what the HTTP parser refused ({@link #unparsable}), a query
 * that is not percent-encoding, a body that does not decode ({@link #undecodable}), and heads that two parties on the
 * way (a proxy, this node) could read differently:
 * <ul>
 *   <li>more than one {@code Host} (RFC 9112, 3.2) is a 400 {@code bad_request}, the connection closed: a proxy reading
 *       the last and this node's check the first would disagree on the site asked for;</li>
 *   <li>a {@code Transfer-Encoding} whose last coding is not {@code chunked} is a 400 and the connection closed (RFC
 *       9112, 6.1): the body's length cannot be known, and Netty would read the body as the next request (found by a
 *       hostile run);</li>
 *   <li>a {@code chunked} request is read by its chunks and answered, and then the connection is closed. With a
 *       {@code Content-Length} beside it, RFC 9112 (6.3) asks for that close, since behind a proxy going by the length
 *       the rest of the connection is a request smuggled past it (found by a hostile run: answered, and the connection
 *       kept). Netty drops the {@code Content-Length} of such a head before anyone sees it, so every chunked request is
 *       treated so; a client sending its body chunked (rare for bodies of a few hundred bytes) opens a new connection
 *       for its next request.</li>
 * </ul>
 */
public final class RequestHead {
  private static final String REPEATED_HOST = "a request carries one Host header, this one has more";
  private static final String UNKNOWN_LENGTH = "a request's Transfer-Encoding must end in chunked";

  private RequestHead() {
  }

  /** Why the HTTP parser refused a request: its status, error code and message. */
  public record Unparsable(int status, String code, String message) {
  }

  /**
   * A request whose head the HTTP parser refused (a server's invalid-request handler): request line over
   * {@code maxLine} bytes 414, headers over {@code maxHeaders} bytes 431, anything else malformed 400. Both listeners
   * answer it as JSON, in their own error shape, and close the connection.
   */
  public static Unparsable unparsable(HttpServerRequest request, int maxLine, int maxHeaders) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof TooLongHttpLineException) {
      return new Unparsable(414, "uri_too_long", "the request line exceeds " + maxLine + " bytes");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new Unparsable(431, "headers_too_large", "the request headers exceed " + maxHeaders + " bytes");
    }
    return new Unparsable(400, "bad_request", "malformed HTTP request line or headers");
  }

  /**
   * What makes a request's head one two parties could read differently (the listener's 400 message, its connection
   * then closed): more than one {@code Host}, or a {@code Transfer-Encoding} whose last coding is not {@code chunked}.
   * Null for a head that reads one way.
   */
  public static String ambiguity(HttpServerRequest request) {
    if (request.headers().getAll("host").size() > 1) return REPEATED_HOST;
    List<String> codings = request.headers().getAll("transfer-encoding");
    if (codings.isEmpty()) return null;
    String last = codings.get(codings.size() - 1);
    return last.substring(last.lastIndexOf(',') + 1).strip().equalsIgnoreCase("chunked") ? null : UNKNOWN_LENGTH;
  }

  /** Whether a request's body comes in chunks ({@code Transfer-Encoding}): its connection is closed once it is answered. */
  public static boolean chunked(HttpServerRequest request) {
    return request.headers().contains("transfer-encoding");
  }

  /**
   * One listener's connections (on one event loop) that carried a chunked request: nothing after it is answered on
   * them. Closing once its answer is written does not do: Vert.x takes the next pipelined request as soon as the answer
   * is ended, before the close (found by a hostile run on a running node).
   */
  public static final class AfterChunked {
    private final Set<HttpConnection> closing = Collections.newSetFromMap(new WeakHashMap<>());

    /**
     * False for a request that follows a chunked one on its connection: the connection is then closed, and the request
     * not answered. A chunked request is admitted, marked, and its answer says {@code Connection: close}.
     */
    public boolean admit(HttpServerRequest request) {
      HttpConnection connection = request.connection();
      if (closing.contains(connection)) {
        connection.close();
        return false;
      }
      if (chunked(request)) {
        closing.add(connection);
        request.response().putHeader("connection", "close");
      }
      return true;
    }
  }

  /**
   * Whether a request failed because Netty's HTTP decoder could not read its body (a malformed chunk size or trailer):
   * the client's fault, which vertx-web would log as an ERROR with a stack trace, "Unhandled exception in router" (found
   * by a hostile run). Known by the frame that threw, since the exceptions are plain ones ({@code NumberFormatException},
   * {@code IllegalArgumentException}).
   */
  public static boolean undecodable(Throwable failure) {
    StackTraceElement[] frames = failure == null ? new StackTraceElement[0] : failure.getStackTrace();
    return frames.length > 0 && frames[0].getClassName().startsWith("io.netty.handler.codec.http.");
  }

  /**
   * Whether a request's query is valid percent-encoding (a {@code %zz} is not). The README promises a 400 for one on
   * every route; only the routes that read a parameter gave it (found by a hostile run: {@code POST /feedback?x=%zz}
   * stored the rating).
   */
  public static boolean decodableQuery(HttpServerRequest request) {
    String query = request.query();
    if (query == null || query.indexOf('%') < 0) return true;
    try {
      QueryStringDecoder.decodeComponent(query);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The body length a request declares ({@code Content-Length}), or -1 without one (Netty refuses a malformed one). */
  public static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    try {
      return length == null ? -1 : Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}

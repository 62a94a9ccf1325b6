package io.recserve.security;

import io.vertx.core.http.HttpServerRequest;

/**
 * Request heads that two parties on the way (a proxy, this node) could read differently. Both listeners call these
 * first:
 * <ul>
 *   <li>more than one {@code Host} (RFC 9112, 3.2) is a 400 {@code bad_request}, the connection closed: a proxy reading
 *       the last and this node's check the first would disagree on the site asked for;</li>
 *   <li>a {@code Transfer-Encoding}: the request is read by it and answered, and then the connection is closed. With
 *       a {@code Content-Length} beside it, RFC 9112 (6.3) asks for that close, since behind a proxy going by the
 *       length the rest of the connection is a request smuggled past it (found by a hostile run: answered, and the
 *       connection kept). Netty drops the {@code Content-Length} of such a head before anyone sees it, so every
 *       request with a {@code Transfer-Encoding} is treated so; a client sending its body chunked (rare for bodies of a
 *       few hundred bytes) opens a new connection for its next request.</li>
 * </ul>
 */
public final class RequestHead {
  public static final String REPEATED_HOST = "a request carries one Host header, this one has more";

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
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      return new Unparsable(414, "uri_too_long", "the request line exceeds " + maxLine + " bytes");
    }
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      return new Unparsable(431, "headers_too_large", "the request headers exceed " + maxHeaders + " bytes");
    }
    return new Unparsable(400, "bad_request", "malformed HTTP request line or headers");
  }

  /** Whether a request carries more than one {@code Host} header. */
  public static boolean repeatedHost(HttpServerRequest request) {
    return request.headers().getAll("host").size() > 1;
  }

  /**
   * Closes the connection once the answer to {@code request} is written when it carries a {@code Transfer-Encoding},
   * and says so in the answer ({@code Connection: close}).
   */
  public static void closeAfterIfChunked(HttpServerRequest request) {
    if (!request.headers().contains("transfer-encoding")) return;
    request.response().putHeader("connection", "close").endHandler(v -> request.connection().close());
  }
}

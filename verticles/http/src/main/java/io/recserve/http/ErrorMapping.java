package io.recserve.http;

import io.recserve.contract.FailureCodes;
import io.recserve.security.RequestHead;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place failures become HTTP answers. Bad input is an {@link ApiError} already. A verticle that is absent,
 * silent, overloaded, or without the model version gives 503 with {@code Retry-After}; a verticle's own fault or a
 * bug gives 500. The body carries a code and a human message, never exception text, class names or host names: the
 * details go to the log with the request id.
 */
final class ErrorMapping {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  private ErrorMapping() {}

  /** A ReplyException with the address it came from, for a message that says which verticle failed. */
  static final class AddressedFailure extends RuntimeException {
    final String address;
    final ReplyException reply;

    AddressedFailure(String address, ReplyException reply) {
      super(reply.getMessage(), reply, false, false);
      this.address = address;
      this.reply = reply;
    }
  }

  /** True for a node that lacks the model version asked for, or any handler at the address: worth another way. */
  static boolean lacksVersionOrAddress(Throwable e) {
    if (!(e instanceof AddressedFailure a)) return false;
    return a.reply.failureType() == ReplyFailure.NO_HANDLERS
        || (a.reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && a.reply.failureCode() == FailureCodes.MODEL_NOT_LOADED);
  }

  static ApiError toApiError(Throwable e, long timeoutMillis, String requestId) {
    if (e instanceof ApiError api) return api;
    if (e instanceof AddressedFailure a) {
      ReplyException reply = a.reply;
      String what = a.address;
      return switch (reply.failureType()) {
        case NO_HANDLERS -> ApiError.unavailable("no verticle is serving " + what);
        case TIMEOUT -> ApiError.unavailable(what + " did not answer within " + timeoutMillis + " ms");
        case RECIPIENT_FAILURE -> switch (reply.failureCode()) {
          case FailureCodes.MODEL_NOT_LOADED -> ApiError.unavailable(what + ": the model version is not loaded there yet");
          case FailureCodes.OVERLOADED -> ApiError.unavailable(what + " is overloaded");
          case FailureCodes.STORE_UNAVAILABLE -> ApiError.unavailable(what + ": its store is unavailable");
          case FailureCodes.NOT_FOUND -> new ApiError(404, "movie_not_found", publicText(reply.getMessage(), "the model does not know this movie"), "movie_id", null);
          case FailureCodes.INVALID -> invalid(reply.getMessage());
          default -> internal(what + " failed: " + reply.getMessage(), null, requestId);
        };
        default -> ApiError.unavailable(what + " is unavailable");
      };
    }
    return internal("unexpected failure", e, requestId);
  }

  /** An INVALID failure's message is {@code {"field": ..., "message": ...}}. */
  private static ApiError invalid(String message) {
    try {
      io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(message);
      return ApiError.badField(publicText(json.getString("field"), null), publicText(json.getString("message"), "a field is not valid"));
    } catch (RuntimeException e) {
      return new ApiError(400, "invalid_field", publicText(message, "a field is not valid"), null, null);
    }
  }

  private static final java.util.regex.Pattern INTERNAL_TEXT = java.util.regex.Pattern.compile(
      "Exception|Error:|`[A-Za-z]+\\.[A-Za-z_]|\\bat [a-z]+\\.|\\b(io|java|javax|jdk|sun|com|org|net)\\.[a-z]+\\.|[A-Za-z0-9]@[A-Za-z0-9]|(^|[\\s(\"'=:])/[A-Za-z0-9._-]+/|[A-Za-z]:\\\\|\\n");

  /**
   * Text from a verticle or a parser, as a client may see it: {@code fallback} instead when it looks internal (an
   * exception or class name, a stack line, a file path, a {@code pid@host} node id, several lines).
   */
  static String publicText(String text, String fallback) {
    if (text == null || text.isBlank()) return fallback;
    return INTERNAL_TEXT.matcher(text).find() || text.length() > 300 ? fallback : text;
  }

  private static ApiError internal(String logMessage, Throwable e, String requestId) {
    if (e == null) LOG.error("request {}: {}", requestId, logMessage);
    else LOG.error("request {}: {}", requestId, logMessage, e);
    return new ApiError(500, "internal_error", "internal error (request " + requestId + ")", null, null);
  }

  /** Writes the error as JSON, once; a response already sent is left alone. */
  static void send(RoutingContext ctx, ApiError e) {
    send(ctx.response(), e);
  }

  /** The same, on a bare response. */
  static void send(HttpServerResponse response, ApiError e) {
    if (response.ended()) return;
    headers(response, e).end(e.toJson().toBuffer());
  }

  private static HttpServerResponse headers(HttpServerResponse response, ApiError e) {
    response.setStatusCode(e.status).putHeader("content-type", "application/json");
    if (e.retryAfterSeconds != null) response.putHeader("retry-after", e.retryAfterSeconds.toString());
    return response;
  }

  /**
   * Writes the error as JSON with {@code Connection: close}, then closes the connection without reading what the
   * client still sends (a body refused for its size, a request the parser could not read).
   */
  static void sendAndClose(HttpServerRequest request, ApiError e) {
    HttpServerResponse response = request.response();
    if (response.ended()) {
      request.connection().close();
      return;
    }
    headers(response, e).putHeader("connection", "close");
    // Closed now, not once the answer is written: meanwhile Vert.x would take the next pipelined request and answer it
    // (found by a hostile run). The close still writes what was ended before it.
    response.end(e.toJson().toBuffer());
    request.connection().close();
  }

  /** A request whose head the HTTP parser refused (the server's invalid-request handler), as {@code RequestHead} classes it. */
  static ApiError invalidRequest(HttpServerRequest request, int maxLine, int maxHeaders) {
    RequestHead.Unparsable refused = RequestHead.unparsable(request, maxLine, maxHeaders);
    return new ApiError(refused.status(), refused.code(), refused.message(), null, null);
  }
}

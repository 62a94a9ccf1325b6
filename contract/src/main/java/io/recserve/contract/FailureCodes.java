package io.recserve.contract;

/** Failure codes verticles reply with ({@code message.fail(code, text)}); the HTTP verticle maps them to statuses. */
public final class FailureCodes {
  private FailureCodes() {}

  /** The request message was malformed (a bug in the sender): HTTP 500. */
  public static final int BAD_MESSAGE = 400;
  /** No model is loaded yet, or not the version asked for: HTTP 503 with Retry-After. */
  public static final int MODEL_NOT_LOADED = 503;
  /** The verticle's own store failed: HTTP 503. */
  public static final int STORE_UNAVAILABLE = 502;
  /** The verticle has too much work queued and refuses more for now: HTTP 503 with Retry-After. */
  public static final int OVERLOADED = 429;
  /** What the request names does not exist (a movie the model version does not know): HTTP 404. */
  public static final int NOT_FOUND = 404;
  /**
   * The request is well formed but its content is refused (an unknown movie in feedback, a rating off the scale, a
   * duplicate): HTTP 400. The failure message is JSON {@code {"field": "...", "message": "..."}}.
   */
  public static final int INVALID = 422;
  /** A fault in the verticle itself (a bug): HTTP 500, with nothing of the fault in the answer. */
  public static final int INTERNAL = 500;
}

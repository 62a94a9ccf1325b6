package io.recserve.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** {@code POST /recommend}: parse and validate the body, run the {@link RecommendationFlow}, splice the answer. */
final class RecommendRoutes {
  private static final CharSequence CONTENT_TYPE = io.vertx.core.http.HttpHeaders.createOptimized("content-type");
  private static final CharSequence JSON = io.vertx.core.http.HttpHeaders.createOptimized("application/json");
  private final RecommendationFlow flow;
  private final long timeoutMillis;

  RecommendRoutes(RecommendationFlow flow, long timeoutMillis) {
    this.flow = flow;
    this.timeoutMillis = timeoutMillis;
  }

  void mount(Router router, long maxBodyBytes) {
    router.post("/recommend").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(Validation::requireJson).handler(this::recommend);
  }

  private void recommend(RoutingContext ctx) {
    long started = System.nanoTime();
    RecommendationRequest request;
    try {
      request = RecommendationRequest.parse(ctx.body().buffer());
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = fastUuid();
    flow.recommend(request).onSuccess(answer -> {
      // Event and cache put first: both only enqueue, and so the event exists before the caller sees the answer.
      flow.after(request, requestId, answer, started);
      ctx.response().putHeader(CONTENT_TYPE, JSON).end(answer.body(requestId));
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, timeoutMillis, requestId)));
  }

  /** A random (version 4) UUID without SecureRandom's lock: request ids need uniqueness, not secrecy. */
  static String fastUuid() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}

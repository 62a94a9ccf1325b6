package io.recserve.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code POST /recommend} (a known user, or an anonymous one given by ratings) and {@code POST /recommend/batch} (up
 * to 100 of those, answered in order, each with its own request id and status): check the body against openapi.yaml
 * ({@link OpenApiRules}; the plain {@code {"user_id", "cutoff"}} body by {@link PlainRecommendBody}), run the {@link RecommendationFlow}, splice the answers.
 */
final class RecommendRoutes {
  static final long BATCH_BODY_BYTES = 1 << 20;
  static final String BATCH_PATH = "/recommend/batch";

  /**
   * The body limit of the route at {@code path} (as the router matched it: {@code RoutingContext.normalizedPath()}):
   * the batch's own, else {@code maxBody} (for the router's 413). The route matches its path with a trailing slash too.
   */
  static long bodyLimit(String path, long maxBody) {
    int end = path.length();
    while (end > 1 && path.charAt(end - 1) == '/') end--;
    return BATCH_PATH.equals(path.substring(0, end)) ? BATCH_BODY_BYTES : maxBody;
  }
  private static final CharSequence CONTENT_TYPE = io.vertx.core.http.HttpHeaders.createOptimized("content-type");
  private static final CharSequence JSON = io.vertx.core.http.HttpHeaders.createOptimized("application/json");
  private final RecommendationFlow flow;
  private final OpenApiRules rules;
  private final long timeoutMillis;

  RecommendRoutes(RecommendationFlow flow, OpenApiRules rules, long timeoutMillis) {
    this.flow = flow;
    this.rules = rules;
    this.timeoutMillis = timeoutMillis;
  }

  void mount(Router router, long maxBodyBytes) {
    router.post("/recommend").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(Validation::requireJson).handler(this::recommend);
    router.post(BATCH_PATH).handler(BodyHandler.create(false).setBodyLimit(BATCH_BODY_BYTES))
        .handler(Validation::requireJson).handler(this::batch);
  }

  private void recommend(RoutingContext ctx) {
    long started = System.nanoTime();
    RecommendationRequest request;
    try {
      request = request(ctx.body().buffer());
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = newRequestId();
    flow.recommend(request).onSuccess(answer -> {
      // Event and cache put first: both only enqueue, and so the event exists before the caller sees the answer.
      flow.after(request, requestId, answer, started);
      ctx.response().putHeader(CONTENT_TYPE, JSON).end(answer.body(requestId));
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, timeoutMillis, requestId)));
  }

  /** The plain body read straight from its bytes, any other by openapi.yaml's rules; an ApiError names a fault. */
  private RecommendationRequest request(Buffer body) {
    RecommendationRequest plain = PlainRecommendBody.read(body);
    return plain != null ? plain : RecommendationRequest.of(rules.body("recommend", body), "");
  }

  /** One answer per request given, in order; the batch answers 200 whenever it was well formed. */
  private void batch(RoutingContext ctx) {
    long started = System.nanoTime();
    JsonArray requests;
    ApiError[] refused;
    try {
      JsonObject body = OpenApiRules.jsonObject(ctx.body().buffer());
      refused = rules.batch(body);
      requests = body.getJsonArray("requests");
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    List<Future<String>> parts = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      String requestId = newRequestId();
      String at = "requests[" + i + "].";
      RecommendationRequest request;
      try {
        if (refused[i] != null) throw refused[i];
        request = RecommendationRequest.of(requests.getJsonObject(i), at);
      } catch (ApiError e) {
        parts.add(Future.succeededFuture(failed(requestId, e)));
        continue;
      }
      parts.add(flow.recommend(request).map(answer -> {
        flow.after(request, requestId, answer, started);
        return "{\"status\":200," + new String(answer.body(requestId).getBytes(), StandardCharsets.UTF_8).substring(1);
      }).otherwise(e -> failed(requestId, ErrorMapping.toApiError(e, timeoutMillis, requestId).within(at)))); // a field a verticle names too
    }
    Future.join(new ArrayList<>(parts)).onComplete(ar -> {
      StringBuilder body = new StringBuilder(parts.size() * 1024).append("{\"responses\":[");
      for (int i = 0; i < parts.size(); i++) body.append(i == 0 ? "" : ",").append(parts.get(i).result());
      ctx.response().putHeader(CONTENT_TYPE, JSON).end(body.append("]}").toString());
    });
  }

  private static String failed(String requestId, ApiError e) {
    return e.toJson().put("status", e.status).put("request_id", requestId).encode();
  }

  /**
   * A new request id: a time-ordered (version 7, RFC 9562) UUID, 48 bits of milliseconds then 74 random bits, without
   * SecureRandom's lock (request ids need uniqueness, not secrecy). Time-ordered, the analytics table's primary key
   * grows at its end instead of touching a random page of the index for every row: PostgreSQL's CPU per stored event
   * fell from 9.0 to 4.4 microseconds under the cached load (docs/performance.md).
   */
  static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (System.currentTimeMillis() << 16) | 0x7000L | (r.nextInt() & 0x0FFF);
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}

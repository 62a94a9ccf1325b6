package io.recserve.http;

import io.recserve.contract.Filters;
import io.recserve.contract.RecommendationEvent;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /movies/{movie_id}/similar?cutoff=10&genres=..&exclude_genres=..&exclude_movie_ids=..&year_min=..&year_max=..}:
 * the movies closest by cosine, the movie itself left out; list parameters repeat or take commas. The parameters keep
 * openapi.yaml's rules ({@link OpenApiRules}).
 */
final class MovieRoutes {
  private final RecommendationFlow flow;
  private final OpenApiRules rules;
  private final long timeoutMillis;

  MovieRoutes(RecommendationFlow flow, OpenApiRules rules, long timeoutMillis) {
    this.flow = flow;
    this.rules = rules;
    this.timeoutMillis = timeoutMillis;
  }

  void mount(Router router) {
    // HEAD answers as GET, without the body (RFC 9110): Vert.x leaves the body out of a HEAD's answer.
    router.get("/movies/:movie_id/similar").method(io.vertx.core.http.HttpMethod.HEAD).handler(this::similar);
  }

  private void similar(RoutingContext ctx) {
    long started = System.nanoTime();
    int movieId;
    int cutoff;
    Filters filters;
    try {
      JsonObject params = rules.parameters("similarMovies", ctx);
      movieId = params.getInteger("movie_id");
      cutoff = params.getInteger("cutoff", RecommendationRequest.DEFAULT_CUTOFF);
      filters = RecommendationRequest.filters(params, "");
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = RecommendRoutes.newRequestId();
    flow.similar(movieId, cutoff, filters).onSuccess(answer -> {
      // A HEAD shows no one the movies: it is no answer for the analytics to count.
      if (ctx.request().method() != io.vertx.core.http.HttpMethod.HEAD) flow.event(requestId, RecommendationEvent.SIMILAR, null, cutoff, answer, started);
      ctx.response().putHeader("content-type", "application/json").end(answer.body(requestId));
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, timeoutMillis, requestId)));
  }
}

package io.recserve.http;

import io.recserve.contract.Filters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /movies/{movie_id}/similar?cutoff=10&genres=..&exclude_genres=..&exclude_movie_ids=..&year_min=..&year_max=..}:
 * the movies closest by cosine, the movie itself left out; list parameters repeat or take commas.
 */
final class MovieRoutes {
  private final RecommendationFlow flow;
  private final long timeoutMillis;

  MovieRoutes(RecommendationFlow flow, long timeoutMillis) {
    this.flow = flow;
    this.timeoutMillis = timeoutMillis;
  }

  void mount(Router router) {
    router.get("/movies/:movie_id/similar").handler(this::similar);
  }

  private void similar(RoutingContext ctx) {
    long started = System.nanoTime();
    int movieId;
    int cutoff;
    Filters filters;
    try {
      movieId = (int) Validation.pathLong(ctx, "movie_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
      cutoff = (int) Validation.queryLong(ctx, "cutoff", RecommendationRequest.DEFAULT_CUTOFF, 1, RecommendationRequest.MAX_CUTOFF);
      filters = RecommendationRequest.filters(query(ctx), "");
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    String requestId = RecommendRoutes.fastUuid();
    flow.similar(movieId, cutoff, filters).onSuccess(answer -> {
      flow.event(requestId, "similar", null, cutoff, answer, started);
      ctx.response().putHeader("content-type", "application/json").end(answer.body(requestId));
    }).onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, timeoutMillis, requestId)));
  }

  /** The filter parameters of the query as the JSON a body would carry. */
  private static JsonObject query(RoutingContext ctx) {
    JsonObject json = new JsonObject();
    for (String list : List.of("genres", "exclude_genres", "exclude_movie_ids")) {
      List<String> values = ctx.queryParam(list);
      if (values.isEmpty()) continue;
      JsonArray array = new JsonArray();
      for (String v : values) {
        for (String part : v.split(",")) {
          if (part.isBlank()) continue;
          array.add(list.equals("exclude_movie_ids") ? (Object) Validation.parseInt(part.strip(), list) : part.strip());
        }
      }
      json.put(list, array);
    }
    for (String year : List.of("year_min", "year_max")) {
      String v = ctx.request().getParam(year);
      if (v != null) json.put(year, Validation.parseInt(v, year));
    }
    return json;
  }
}

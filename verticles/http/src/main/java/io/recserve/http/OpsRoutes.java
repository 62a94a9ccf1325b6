package io.recserve.http;

import io.recserve.contract.Addresses;
import io.recserve.contract.SummaryRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** Operations: readiness, metrics, the analytics summary and the OpenAPI document. */
final class OpsRoutes {
  /** The summary's bounds, as the OpenAPI document states them: at most a week, at most 100 movies. */
  static final long MAX_WINDOW_SECONDS = 7 * 24 * 3600;
  static final int MAX_TOP = 100;
  private final Bus bus;
  private final HealthChecks readiness;
  private final Buffer openApi;

  OpsRoutes(Bus bus, HealthChecks readiness, Buffer openApi) {
    this.bus = bus;
    this.readiness = readiness;
    this.openApi = openApi;
  }

  void mount(Router router, boolean metrics) {
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get("/analytics/summary").handler(this::summary);
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("content-type", "application/yaml").end(openApi));
    if (metrics) router.get("/metrics").handler(PrometheusScrapingHandler.create());
  }

  private void summary(RoutingContext ctx) {
    long window;
    int top;
    try {
      window = Validation.queryLong(ctx, "window", 3600, 1, MAX_WINDOW_SECONDS);
      top = (int) Validation.queryLong(ctx, "top", 10, 1, MAX_TOP);
    } catch (ApiError e) {
      ErrorMapping.send(ctx, e);
      return;
    }
    bus.<JsonObject>request(Addresses.ANALYTICS_SUMMARY, new SummaryRequest(window, top).toJson())
        .onSuccess(m -> ctx.response().putHeader("content-type", "application/json").end(m.body().toBuffer()))
        .onFailure(e -> ErrorMapping.send(ctx, ErrorMapping.toApiError(e, bus.timeoutMillis(), "summary")));
  }
}

package io.recserve.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;

/**
 * The public port's operations routes: {@code /ready} with its status only ({@code {"status":"UP"}}, or 503
 * {@code {"status":"DOWN"}}: no node names, versions or reasons) and the OpenAPI document. The detailed readiness,
 * the metrics and the analytics summary are on the management listener (verticles/admin), which reads this node's
 * checks through {@link io.recserve.contract.Addresses#HTTP_READINESS}.
 */
final class OpsRoutes {
  private static final Buffer UP = new JsonObject().put("status", "UP").toBuffer();
  private static final Buffer DOWN = new JsonObject().put("status", "DOWN").toBuffer();
  private final HealthChecks readiness;
  private final Buffer openApi;

  OpsRoutes(HealthChecks readiness, Buffer openApi) {
    this.readiness = readiness;
    this.openApi = openApi;
  }

  /** {@code /ready}: open even when API keys are required (load balancers and orchestrators probe it). */
  void mountReady(Router router) {
    // HEAD answers as GET, without the body (a monitor's check): Vert.x leaves the body out of a HEAD's answer.
    router.get("/ready").method(io.vertx.core.http.HttpMethod.HEAD).handler(ctx -> readiness.checkStatus().onComplete(ar -> {
      boolean up = ar.succeeded() && CheckResult.isUp(ar.result());
      ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(up ? UP : DOWN);
    }));
  }

  void mountOpenApi(Router router) {
    router.get("/openapi.yaml").method(io.vertx.core.http.HttpMethod.HEAD).handler(ctx -> ctx.response().putHeader("content-type", "application/yaml").end(openApi));
  }
}

package io.recserve.http;

import io.recserve.security.Guard;
import io.recserve.security.Role;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * API keys in front of the public routes, mounted only when keys are configured ({@code security.*}): a read key may
 * call the serving routes, a write key also {@code POST /feedback} and {@code DELETE /users/...}. Refusals are JSON
 * through {@link ErrorMapping}: 401 with {@code WWW-Authenticate: Bearer}, 403, or 429 with {@code Retry-After}.
 */
final class ApiKeyGuard implements Handler<RoutingContext> {
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("www-authenticate");
  private static final CharSequence CHALLENGE = HttpHeaders.createOptimized("Bearer");
  private final Guard guard;

  ApiKeyGuard(Guard guard) {
    this.guard = guard;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Guard.Decision decision = guard.check(request.getHeader(HttpHeaders.AUTHORIZATION), writes(request) ? Role.WRITE : Role.READ);
    if (decision.allowed()) {
      ctx.next();
      return;
    }
    if (decision.challenge()) ctx.response().putHeader(WWW_AUTHENTICATE, CHALLENGE);
    ErrorMapping.send(ctx, new ApiError(decision.status(), decision.code(), decision.message(), null, decision.retryAfterSeconds()));
  }

  /** The routes that change data: feedback and user deletion. */
  static boolean writes(HttpServerRequest request) {
    HttpMethod method = request.method();
    return method == HttpMethod.DELETE || (method == HttpMethod.POST && "/feedback".equals(request.path()));
  }
}

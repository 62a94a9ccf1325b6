package io.recserve.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Every public request's answer time per route, method and status code, for Prometheus at /metrics: the
 * {@code recserve_http_response_time_seconds} histogram (its {@code _count} is the number of requests). It stands in
 * for vertx-micrometer's generic HTTP server metrics, which the launcher turns off: they merge tags and look up four
 * meters on every request, 15% of the cached path's CPU in the profile (docs/performance.md). Here a route's timer is
 * looked up once and kept. The first handler of the router: it only notes the start and asks to be called at the end.
 */
final class HttpMetrics implements Handler<RoutingContext> {
  /** Equals and hashCode written out, as {@link NearCache.Key}'s. */
  private record Key(String route, HttpMethod method, int code) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && code == k.code && route.equals(k.route) && method.equals(k.method);
    }

    @Override
    public int hashCode() {
      return (31 * route.hashCode() + method.hashCode()) * 31 + code;
    }
  }

  private final MeterRegistry registry;
  private final ConcurrentMap<Key, Timer> timers = new ConcurrentHashMap<>();

  private HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Null when there is no registry (metrics off): then nothing is mounted. */
  static HttpMetrics of(MeterRegistry registry) {
    return registry == null ? null : new HttpMetrics(registry);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(v -> {
      Route route = ctx.currentRoute();
      String path = route == null || route.getPath() == null ? "unmatched" : route.getPath();
      timer(new Key(path, ctx.request().method(), ctx.response().getStatusCode())).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }

  private Timer timer(Key key) {
    Timer timer = timers.get(key);
    if (timer != null) return timer;
    return timers.computeIfAbsent(key, k -> Timer.builder("recserve_http_response_time").description("time from a request's arrival to its answer")
        .tag("route", k.route()).tag("method", k.method().name()).tag("code", Integer.toString(k.code()))
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry));
  }
}

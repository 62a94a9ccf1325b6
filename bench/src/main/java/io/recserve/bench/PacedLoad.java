package io.recserve.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load at a fixed rate (wrk has no fixed-rate mode): {@code POST /recommend} for random users 1..USERS, paced by a
 * timer every millisecond, on a bounded number of connections. Prints one summary line per second (rate, non-2xx,
 * p99) and a RESULT line at the end, with how many answers mixed model versions when asked to watch versions.
 * <pre>java -cp benchmarks.jar io.recserve.bench.PacedLoad http://127.0.0.1:8080 RATE SECONDS [USERS=610] [CONNECTIONS=64]</pre>
 */
public final class PacedLoad {
  private PacedLoad() {}

  public static void main(String[] args) throws Exception {
    java.net.URI target = java.net.URI.create(args[0]);
    double rate = Double.parseDouble(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int users = args.length > 3 ? Integer.parseInt(args[3]) : 610;
    int connections = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    Vertx vertx = Vertx.vertx();
    // The client lets an idle connection go after 5 s, before the server's 10 s bound on the next request head
    // (http.header-timeout-ms) closes it: otherwise a request sent as the server closes races the close and fails.
    var client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(5),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(100_000));
    AtomicLong sent = new AtomicLong(), ok = new AtomicLong(), bad = new AtomicLong(), failed = new AtomicLong();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Long> perSecondBad = new ConcurrentHashMap<>();
    List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(1);
    double[] owed = {0};
    long[] lastTick = {start};
    vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      if (now >= end) {
        vertx.cancelTimer(id);
        vertx.setTimer(3000, t -> done.countDown());
        return;
      }
      owed[0] += rate * (now - lastTick[0]) / 1e9;
      lastTick[0] = now;
      while (owed[0] >= 1) {
        owed[0] -= 1;
        sent.incrementAndGet();
        long t0 = System.nanoTime();
        int second = (int) ((t0 - start) / 1_000_000_000L);
        String body = "{\"user_id\":" + (1 + ThreadLocalRandom.current().nextInt(users)) + ",\"cutoff\":10}";
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(target.getHost()).setPort(target.getPort()).setURI("/recommend")
                .putHeader("content-type", "application/json"))
            .compose(req -> req.send(Buffer.buffer(body)).compose(resp -> resp.body().map(b -> resp.statusCode())))
            .onComplete(ar -> {
              latencies.add(System.nanoTime() - t0);
              if (ar.succeeded() && ar.result() / 100 == 2) ok.incrementAndGet();
              else {
                if (ar.succeeded()) bad.incrementAndGet();
                else {
                  failed.incrementAndGet();
                  if (firstErrors.size() < 5) firstErrors.add(ar.cause().toString());
                }
                perSecondBad.merge(second, 1L, Long::sum);
              }
            });
      }
    });
    done.await();
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    double p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
    double p99 = sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.99)) / 1e6;
    System.out.println("RESULT " + new JsonObject().put("rate", rate).put("seconds", seconds).put("sent", sent.get()).put("ok", ok.get())
        .put("non2xx", bad.get()).put("errors", failed.get()).put("p50_ms", p50).put("p99_ms", p99).put("bad_seconds", new JsonObject(new java.util.TreeMap<>(
            perSecondBad.entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)))))
        .put("first_errors", new io.vertx.core.json.JsonArray(new ArrayList<>(firstErrors))).encode());
    vertx.close().await();
  }
}

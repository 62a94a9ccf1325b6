package io.recserve.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The production cache: an entry is a Redis hash ({@code HSET prefix+key field value}, {@code EXPIRE} ttl on every
 * put), so a user's answers are dropped with one {@code DEL}. The prefix ({@code redis.key-prefix}) keeps deployments
 * that share a Redis apart. Puts are gathered for a moment ({@code redis.put-delay-ms}) and sent as one pipelined
 * batch, a field put twice in that moment only once.
 * The URL may carry a password or an ACL user ({@code redis://user:password@host:port/db}), and {@code rediss://}
 * for TLS.
 */
final class RedisResponseCache implements ResponseCache {
  private final Vertx vertx;
  private final Redis client;
  private final RedisAPI redis;
  private final String ttlSeconds;
  private final String prefix;
  private final long putDelayMillis;
  private record Field(String key, String field) {}

  private Map<Field, String> pending = new LinkedHashMap<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private final java.util.ArrayDeque<Runnable> afterBatch = new java.util.ArrayDeque<>();
  private boolean scheduled;
  private boolean sending;

  RedisResponseCache(Vertx vertx, String url, int poolSize, long ttlSeconds, String prefix, long putDelayMillis) {
    this(vertx, url, poolSize, ttlSeconds, prefix, putDelayMillis, null);
  }

  /** {@code trustFile}: a PEM certificate (a private CA) to trust for {@code rediss://}; null for the JVM's trust store. */
  RedisResponseCache(Vertx vertx, String url, int poolSize, long ttlSeconds, String prefix, long putDelayMillis, String trustFile) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.putDelayMillis = putDelayMillis;
    RedisOptions options = new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(poolSize).setMaxPoolWaiting(4096).setMaxWaitingHandlers(65536);
    // rediss://: the server's certificate must name the host of the URL (Vert.x 5 asks for the check to be chosen).
    if (url.startsWith("rediss:")) options.getNetClientOptions().setHostnameVerificationAlgorithm("HTTPS");
    if (trustFile != null && !trustFile.isBlank()) {
      options.getNetClientOptions().setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(trustFile));
    }
    this.client = Redis.createClient(vertx, options);
    this.redis = RedisAPI.api(client);
    this.ttlSeconds = Long.toString(ttlSeconds);
  }

  @Override
  public Future<String> get(String key, String field) {
    return redis.hget(prefix + key, field).map(response -> response == null ? null : response.toString());
  }

  /**
   * Writes go through one queue, one batch at a time (a batch holds one connection), so a {@code DEL} never overtakes
   * a put sent before it on another pooled connection.
   */
  @Override
  public Future<Void> put(String key, String field, String value) {
    pending.put(new Field(key, field), value);
    Promise<Void> done = Promise.promise();
    waiting.add(done);
    schedule();
    return done.future();
  }

  private void schedule() {
    if (scheduled || sending) return;
    scheduled = true;
    if (putDelayMillis <= 0) vertx.runOnContext(v -> flush());
    else vertx.setTimer(putDelayMillis, id -> flush());
  }

  @Override
  public Future<Void> delete(List<String> keys) {
    if (keys.isEmpty()) return Future.succeededFuture();
    pending.keySet().removeIf(f -> keys.contains(f.key())); // a put still gathering must not land after the DEL
    Promise<Void> done = Promise.promise();
    Runnable del = () -> {
      sending = true;
      redis.del(keys.stream().map(k -> prefix + k).toList()).<Void>mapEmpty().onComplete(ar -> {
        sending = false;
        done.handle(ar);
        next();
      });
    };
    if (sending) afterBatch.add(del);
    else del.run();
    return done.future();
  }

  private void next() {
    Runnable queued = afterBatch.poll();
    if (queued != null) queued.run();
    else if (!pending.isEmpty()) schedule();
  }

  private void flush() {
    scheduled = false;
    if (sending) return; // sent when the batch under way ends
    if (pending.isEmpty()) {
      next();
      return;
    }
    Map<Field, String> batch = pending;
    List<Promise<Void>> done = waiting;
    pending = new LinkedHashMap<>();
    waiting = new ArrayList<>();
    List<Request> commands = new ArrayList<>(batch.size() * 2);
    java.util.Set<String> keys = new java.util.LinkedHashSet<>();
    batch.forEach((f, v) -> {
      commands.add(Request.cmd(Command.HSET).arg(prefix + f.key()).arg(f.field()).arg(v));
      keys.add(f.key());
    });
    for (String k : keys) commands.add(Request.cmd(Command.EXPIRE).arg(prefix + k).arg(ttlSeconds));
    sending = true;
    client.batch(commands).onComplete(ar -> {
      sending = false;
      done.forEach(p -> {
        if (ar.succeeded()) p.tryComplete();
        else p.tryFail(ar.cause());
      });
      next();
    });
  }

  @Override
  public Future<Void> ping() {
    return redis.ping(List.of()).mapEmpty();
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Future<Void> close() {
    if (!pending.isEmpty()) flush();
    redis.close();
    return Future.succeededFuture();
  }
}

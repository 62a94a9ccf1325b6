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
 * The production cache: values in Redis with {@code SET prefix+key value EX ttl}. The prefix
 * ({@code redis.key-prefix}) keeps deployments that share a Redis apart. Puts are gathered for a moment
 * ({@code redis.put-delay-ms}) and sent as one pipelined batch, a key put twice in that moment only once.
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
  private Map<String, String> pending = new LinkedHashMap<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean scheduled;

  RedisResponseCache(Vertx vertx, String url, int poolSize, long ttlSeconds, String prefix, long putDelayMillis) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.putDelayMillis = putDelayMillis;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(poolSize).setMaxPoolWaiting(4096).setMaxWaitingHandlers(65536));
    this.redis = RedisAPI.api(client);
    this.ttlSeconds = Long.toString(ttlSeconds);
  }

  @Override
  public Future<String> get(String key) {
    return redis.get(prefix + key).map(response -> response == null ? null : response.toString());
  }

  @Override
  public Future<Void> put(String key, String value) {
    if (putDelayMillis <= 0) return redis.set(List.of(prefix + key, value, "EX", ttlSeconds)).mapEmpty();
    pending.put(key, value);
    Promise<Void> done = Promise.promise();
    waiting.add(done);
    if (!scheduled) {
      scheduled = true;
      vertx.setTimer(putDelayMillis, id -> flush());
    }
    return done.future();
  }

  private void flush() {
    Map<String, String> batch = pending;
    List<Promise<Void>> done = waiting;
    pending = new LinkedHashMap<>();
    waiting = new ArrayList<>();
    scheduled = false;
    List<Request> commands = new ArrayList<>(batch.size());
    batch.forEach((k, v) -> commands.add(Request.cmd(Command.SET).arg(prefix + k).arg(v).arg("EX").arg(ttlSeconds)));
    client.batch(commands).onComplete(ar -> done.forEach(p -> {
      if (ar.succeeded()) p.tryComplete();
      else p.tryFail(ar.cause());
    }));
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

package io.recserve.cache;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import java.util.List;

/**
 * The production cache: values as JSON strings in Redis with {@code SET prefix+key value EX ttl}. The prefix
 * ({@code redis.key-prefix}) keeps deployments that share a Redis apart: their model versions are numbered alike.
 */
final class RedisResponseCache implements ResponseCache {
  private final Redis client;
  private final RedisAPI redis;
  private final String ttlSeconds;
  private final String prefix;

  RedisResponseCache(Vertx vertx, String url, int poolSize, long ttlSeconds, String prefix) {
    this.prefix = prefix;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(poolSize).setMaxPoolWaiting(4096).setMaxWaitingHandlers(65536));
    this.redis = RedisAPI.api(client);
    this.ttlSeconds = Long.toString(ttlSeconds);
  }

  @Override
  public Future<JsonObject> get(String key) {
    return redis.get(prefix + key).map(response -> response == null ? null : new JsonObject(response.toString()));
  }

  @Override
  public Future<Void> put(String key, JsonObject value) {
    return redis.set(List.of(prefix + key, value.encode(), "EX", ttlSeconds)).mapEmpty();
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
    redis.close();
    return Future.succeededFuture();
  }
}

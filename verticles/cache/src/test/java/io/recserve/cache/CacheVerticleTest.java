package io.recserve.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.ComponentStatus;
import io.recserve.testing.Eventually;
import io.recserve.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CacheVerticleTest {
  private static CacheEntry get(Vertx vertx, String key) throws Exception {
    return CacheEntry.of(vertx.eventBus().request(Addresses.CACHE_GET, new CacheGet(key).toJson())
        .await(5, TimeUnit.SECONDS).body());
  }

  private static void putThenGet(Vertx vertx, String key) throws Exception {
    assertThat(get(vertx, key).hit()).isFalse();
    String value = "3|id-3|AQAAAA==|zcxMPw==|[{\"movie_id\":1}]";
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, value).toJson());
    Eventually.until(Duration.ofSeconds(5), "the value cached", () -> get(vertx, key).hit());
    assertThat(get(vertx, key).value()).isEqualTo(value);
    assertThat(get(vertx, key + "-other").hit()).isFalse();
    ComponentStatus status = ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("cache"), new JsonObject())
        .await(5, TimeUnit.SECONDS).body());
    assertThat(status.ready()).isTrue();
  }

  @Test
  void inProcessByDefault(Vertx vertx) throws Exception {
    vertx.deployVerticle(new CacheVerticle(), new DeploymentOptions().setConfig(new JsonObject())).await(5, TimeUnit.SECONDS);
    putThenGet(vertx, CacheEntry.recommendationKey(new io.recserve.contract.ModelRef(3, "id-3"), 1, 10));
  }

  @Test
  void inRedisWithTheTimeToLive(Vertx vertx) throws Exception {
    String url = TestServices.redisUrl();
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("url", url).put("key-prefix", "t:")).put("cache", new JsonObject().put("ttl-seconds", 120));
    vertx.deployVerticle(new CacheVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    String key = "rec:test-" + UUID.randomUUID() + ":u1:k10";
    putThenGet(vertx, key);
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, url));
    long ttl = redis.ttl("t:" + key).await(5, TimeUnit.SECONDS).toLong();
    assertThat(ttl).isBetween(1L, 120L);
    redis.del(java.util.List.of("t:" + key)).await(5, TimeUnit.SECONDS);
  }

  @Test
  void anUnreachableRedisIsReportedNotReady(Vertx vertx) throws Exception {
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("url", "redis://127.0.0.1:1"));
    vertx.deployVerticle(new CacheVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    ComponentStatus status = ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("cache"), new JsonObject())
        .await(10, TimeUnit.SECONDS).body());
    assertThat(status.ready()).isFalse();
  }

  @Test
  void theInProcessCacheIsBoundedByBytesNotByEntries() {
    CaffeineResponseCache cache = new CaffeineResponseCache(64 * 1024, Duration.ofMinutes(5));
    String kilobyte = "x".repeat(512); // 1 KiB as UTF-16
    for (int i = 0; i < 1000; i++) cache.put("k" + i, kilobyte);
    long kept = java.util.stream.IntStream.range(0, 1000).filter(i -> cache.get("k" + i).result() != null).count();
    assertThat(kept).isBetween(1L, 64L);
  }
}

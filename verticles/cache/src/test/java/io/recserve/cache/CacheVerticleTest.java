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
  private static CacheEntry get(Vertx vertx, String key, String field) throws Exception {
    return CacheEntry.of(vertx.eventBus().request(Addresses.CACHE_GET, new CacheGet(key, field).toJson())
        .await(5, TimeUnit.SECONDS).body());
  }

  private static final String VALUE = "3|id-3|0|AQAAAA==|zcxMPw==|[{\"movie_id\":1}]";

  private static void putThenGet(Vertx vertx, String key) throws Exception {
    assertThat(get(vertx, key, "k10").hit()).isFalse();
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, "k10", VALUE).toJson());
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, "k5", VALUE + "5").toJson());
    Eventually.until(Duration.ofSeconds(5), "the value cached", () -> get(vertx, key, "k10").hit() && get(vertx, key, "k5").hit());
    assertThat(get(vertx, key, "k10").value()).isEqualTo(VALUE);
    assertThat(get(vertx, key, "k5").value()).isEqualTo(VALUE + "5");
    assertThat(get(vertx, key + "-other", "k10").hit()).isFalse();
    ComponentStatus status = ComponentStatus.fromJson(vertx.eventBus().<JsonObject>request(Addresses.status("cache"), new JsonObject())
        .await(5, TimeUnit.SECONDS).body());
    assertThat(status.ready()).isTrue();
  }

  @Test
  void inProcessByDefault(Vertx vertx) throws Exception {
    vertx.deployVerticle(new CacheVerticle(), new DeploymentOptions().setConfig(new JsonObject())).await(5, TimeUnit.SECONDS);
    putThenGet(vertx, CacheEntry.userKey("id-3", 1));
    changeDropsTheUsersAnswersAndRefusesOlderPuts(vertx, "id-3");
  }

  /** A user's change drops every answer of the user in the versions named, and refuses puts computed before it. */
  private static void changeDropsTheUsersAnswersAndRefusesOlderPuts(Vertx vertx, String modelId) throws Exception {
    String key = CacheEntry.userKey(modelId, 77);
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, "k10", VALUE, 77, 0).toJson());
    Eventually.until(Duration.ofSeconds(5), "cached", () -> get(vertx, key, "k10").hit());
    vertx.eventBus().request(Addresses.CACHE_INVALIDATE, new io.recserve.contract.UserChanged(77, 5, java.util.List.of(modelId)).toJson())
        .await(5, TimeUnit.SECONDS);
    assertThat(get(vertx, key, "k10").hit()).isFalse();
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, "k10", VALUE, 77, 4).toJson()); // computed before the change
    vertx.eventBus().send(Addresses.CACHE_PUT, new CacheEntry(key, "k20", VALUE, 77, 5).toJson()); // computed after it
    Eventually.until(Duration.ofSeconds(5), "the fresh answer cached", () -> get(vertx, key, "k20").hit());
    assertThat(get(vertx, key, "k10").hit()).isFalse();
  }

  @Test
  void inRedisWithTheTimeToLive(Vertx vertx) throws Exception {
    String url = TestServices.redisUrl();
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("url", url).put("key-prefix", "t:")).put("cache", new JsonObject().put("ttl-seconds", 120));
    vertx.deployVerticle(new CacheVerticle(), new DeploymentOptions().setConfig(config)).await(5, TimeUnit.SECONDS);
    String model = "test-" + UUID.randomUUID();
    String key = CacheEntry.userKey(model, 1);
    putThenGet(vertx, key);
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, url));
    long ttl = redis.ttl("t:" + key).await(5, TimeUnit.SECONDS).toLong();
    assertThat(ttl).isBetween(1L, 120L);
    changeDropsTheUsersAnswersAndRefusesOlderPuts(vertx, model);
    redis.del(java.util.List.of("t:" + key, "t:" + CacheEntry.userKey(model, 77))).await(5, TimeUnit.SECONDS);
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
    for (int i = 0; i < 1000; i++) cache.put("k" + i, "f", kilobyte);
    long kept = java.util.stream.IntStream.range(0, 1000).filter(i -> cache.get("k" + i, "f").result() != null).count();
    assertThat(kept).isBetween(1L, 64L);
  }
}

package io.recserve.cache;

import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response cache behind {@link Addresses#CACHE_GET} and {@link Addresses#CACHE_PUT}: Redis when
 * {@code redis.url} is set (with an in-process tier of {@code cache.local-ttl-seconds}, 0 for none), Caffeine
 * in-process otherwise. Keys carry the model version (see
 * {@link CacheEntry#recommendationKey}), so a new version never meets an old answer.
 */
public final class CacheVerticle extends VerticleBase {
  public static final String ROLE = "cache";
  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private final String node = ManagementFactory.getRuntimeMXBean().getName();
  private ResponseCache cache;

  @Override
  public Future<?> start() {
    JsonObject c = config().getJsonObject("cache", new JsonObject());
    JsonObject r = config().getJsonObject("redis", new JsonObject());
    long ttl = c.getLong("ttl-seconds", 300L);
    String url = r.getString("url", "");
    long maxEntries = c.getLong("max-entries", 200_000L);
    long localTtl = Math.min(ttl, c.getLong("local-ttl-seconds", 10L));
    if (url.isBlank()) {
      cache = new CaffeineResponseCache(maxEntries, Duration.ofSeconds(ttl));
    } else {
      ResponseCache redis = new RedisResponseCache(vertx, url, r.getInteger("pool-size", 8), ttl, r.getString("key-prefix", "recserve:"));
      cache = localTtl > 0 ? new TieredResponseCache(new CaffeineResponseCache(maxEntries, Duration.ofSeconds(localTtl)), redis) : redis;
    }
    MessageConsumer<JsonObject> get = vertx.eventBus().consumer(Addresses.CACHE_GET, this::get);
    MessageConsumer<JsonObject> put = vertx.eventBus().consumer(Addresses.CACHE_PUT, this::put);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    return Future.join(get.completion(), put.completion(), status.completion());
  }

  @Override
  public Future<?> stop() {
    return cache == null ? Future.succeededFuture() : cache.close();
  }

  private void get(Message<JsonObject> message) {
    CacheGet request;
    try {
      request = CacheGet.fromJson(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    cache.get(request.key())
        .onSuccess(value -> message.reply(new CacheEntry(request.key(), value).toJson()))
        .onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, cache.name() + ": " + e.getMessage()));
  }

  private void put(Message<JsonObject> message) {
    CacheEntry entry;
    try {
      entry = CacheEntry.fromJson(message.body());
    } catch (RuntimeException e) {
      LOG.warn("ignoring a malformed cache put: {}", e.getMessage());
      return;
    }
    if (entry.value() == null) return;
    cache.put(entry.key(), entry.value()).onFailure(e -> LOG.warn("{} put failed: {}", cache.name(), e.toString()));
  }

  private void status(Message<JsonObject> message) {
    cache.ping().onComplete(ar -> message.reply(new ComponentStatus(ROLE, node, ar.succeeded(), 0,
        new JsonObject().put("backend", cache.name()).put("error", ar.failed() ? ar.cause().getMessage() : null)).toJson()));
  }
}

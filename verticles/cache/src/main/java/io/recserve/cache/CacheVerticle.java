package io.recserve.cache;

import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.Codecs;
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
 * {@code redis.url} is set, Caffeine in-process (bounded by {@code cache.max-bytes}) otherwise. It is the owner of
 * Redis; the HTTP verticle keeps a short near-cache in front of it. Keys carry the model version (see
 * {@link CacheEntry#recommendationKey}), so a new version never meets an old answer.
 */
public final class CacheVerticle extends VerticleBase {
  public static final String ROLE = "cache";
  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private final String node = ManagementFactory.getRuntimeMXBean().getName();
  private ResponseCache cache;

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    JsonObject c = config().getJsonObject("cache", new JsonObject());
    JsonObject r = config().getJsonObject("redis", new JsonObject());
    long ttl = c.getLong("ttl-seconds", 300L);
    String url = r.getString("url", "");
    long maxBytes = c.getLong("max-bytes", 256L << 20);
    cache = url.isBlank() ? new CaffeineResponseCache(maxBytes, Duration.ofSeconds(ttl))
        : new RedisResponseCache(vertx, url, r.getInteger("pool-size", 8), ttl, r.getString("key-prefix", "recserve:"), r.getLong("put-delay-ms", 2L));
    MessageConsumer<Object> get = vertx.eventBus().consumer(Addresses.CACHE_GET, this::get);
    MessageConsumer<Object> put = vertx.eventBus().consumer(Addresses.CACHE_PUT, this::put);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    return Future.join(get.completion(), put.completion(), status.completion());
  }

  @Override
  public Future<?> stop() {
    return cache == null ? Future.succeededFuture() : cache.close();
  }

  private void get(Message<Object> message) {
    CacheGet request;
    try {
      request = CacheGet.of(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    cache.get(request.key())
        .onSuccess(value -> message.reply(new CacheEntry(request.key(), value)))
        .onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, cache.name() + ": " + e.getMessage()));
  }

  private void put(Message<Object> message) {
    CacheEntry entry;
    try {
      entry = CacheEntry.of(message.body());
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

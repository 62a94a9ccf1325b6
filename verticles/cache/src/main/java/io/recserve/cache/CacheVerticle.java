package io.recserve.cache;

import io.recserve.contract.Addresses;
import io.recserve.contract.CacheEntry;
import io.recserve.contract.CacheGet;
import io.recserve.contract.Codecs;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.UserChanged;
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
  private com.github.benmanes.caffeine.cache.Cache<Integer, Long> changed;

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    JsonObject c = config().getJsonObject("cache", new JsonObject());
    JsonObject r = config().getJsonObject("redis", new JsonObject());
    long ttl = c.getLong("ttl-seconds", 300L);
    String url = r.getString("url", "");
    long maxBytes = c.getLong("max-bytes", 256L << 20);
    cache = url.isBlank() ? new CaffeineResponseCache(maxBytes, Duration.ofSeconds(ttl))
        : new RedisResponseCache(vertx, url, r.getInteger("pool-size", 8), ttl, r.getString("key-prefix", "recserve:"), r.getLong("put-delay-ms", 2L),
            r.getString("trust-file", ""));
    MessageConsumer<Object> get = vertx.eventBus().consumer(Addresses.CACHE_GET, this::get);
    MessageConsumer<Object> put = vertx.eventBus().consumer(Addresses.CACHE_PUT, this::put);
    MessageConsumer<Object> invalidate = vertx.eventBus().consumer(Addresses.CACHE_INVALIDATE, this::invalidate);
    changed = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(ttl)).maximumSize(1_000_000).build();
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    return Future.join(get.completion(), put.completion(), invalidate.completion(), status.completion());
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
    cache.get(request.key(), request.field())
        .onSuccess(value -> message.reply(new CacheEntry(request.key(), request.field(), value)))
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
    if (entry.userId() != null) {
      Long since = changed.getIfPresent(entry.userId());
      if (since != null && entry.generation() < since) return; // computed before the user's latest change
    }
    cache.put(entry.key(), entry.field(), entry.value()).onFailure(e -> LOG.warn("{} put failed: {}", cache.name(), e.toString()));
  }

  /**
   * A user's ratings changed: drops the user's answers in the versions named, and refuses, for the cache's time to
   * live, puts of answers computed before the change (a request under way during the change must not put back what
   * was just dropped).
   */
  private void invalidate(Message<Object> message) {
    UserChanged change;
    try {
      change = UserChanged.of(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    changed.asMap().merge(change.userId(), change.generation(), Math::max);
    cache.delete(change.modelIds().stream().map(id -> CacheEntry.userKey(id, change.userId())).toList())
        .onSuccess(v -> message.reply(new JsonObject()))
        .onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, cache.name() + " unavailable"));
  }

  private void status(Message<JsonObject> message) {
    cache.ping().onComplete(ar -> message.reply(new ComponentStatus(ROLE, node, ar.succeeded(), 0,
        new JsonObject().put("backend", cache.name()).put("error", ar.failed() ? ar.cause().getMessage() : null)).toJson()));
  }
}

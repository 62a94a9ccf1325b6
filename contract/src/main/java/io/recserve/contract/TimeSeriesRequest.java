package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * Asks analytics for per-minute buckets over the last {@code minutes} (the current, partial minute included) and the
 * {@code top} most recommended movies over them: {@code {"minutes": 180, "top": 10}}.
 */
public record TimeSeriesRequest(int minutes, int top) {
  /** The longest series a store keeps at hand: the file store holds the last 24 hours. */
  public static final int MAX_MINUTES = 24 * 60;

  public JsonObject toJson() {
    return new JsonObject().put("minutes", minutes).put("top", top);
  }

  public static TimeSeriesRequest fromJson(JsonObject json) {
    int minutes = json.getInteger("minutes", 180);
    int top = json.getInteger("top", 10);
    if (minutes < 1 || minutes > MAX_MINUTES) throw new IllegalArgumentException("minutes must be between 1 and " + MAX_MINUTES);
    if (top < 0 || top > 100) throw new IllegalArgumentException("top must be between 0 and 100");
    return new TimeSeriesRequest(minutes, top);
  }

  /** The start of the first bucket: the current minute's start, {@code minutes - 1} minutes back. */
  public long fromMillis(long nowMillis) {
    return (nowMillis / 60_000 - (minutes - 1)) * 60_000;
  }
}

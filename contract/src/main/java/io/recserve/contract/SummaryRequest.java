package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/** Asks analytics for aggregates over the last {@code window_seconds}: {@code {"window_seconds": 3600, "top": 10}}. */
public record SummaryRequest(long windowSeconds, int top) {
  public JsonObject toJson() {
    return new JsonObject().put("window_seconds", windowSeconds).put("top", top);
  }

  public static SummaryRequest fromJson(JsonObject json) {
    return new SummaryRequest(json.getLong("window_seconds", 3600L), json.getInteger("top", 10));
  }
}

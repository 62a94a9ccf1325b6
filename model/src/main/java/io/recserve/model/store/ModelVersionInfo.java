package io.recserve.model.store;

import io.vertx.core.json.JsonObject;

/** A stored model version as listed: when it was made, how, its size, its evaluation, and whether it is current. */
public record ModelVersionInfo(long version, String createdAt, JsonObject params, int users, int movies,
                               JsonObject evaluation, boolean current) {}

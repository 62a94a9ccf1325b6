package io.recserve.embedding;

import io.recserve.model.store.UserVectors;
import io.recserve.serving.DataFolder;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Where user vectors of a model version are read from: the data folder or PostgreSQL. */
public interface UserEmbeddingStore extends ServedModel.Source<UserVectors> {
  static UserEmbeddingStore fromConfig(Vertx vertx, JsonObject config) {
    if (PgSettings.configured(config)) return new PgUserEmbeddingStore(vertx, config);
    return new FileUserEmbeddingStore(vertx, DataFolder.of(config));
  }

  default void close() {}
}

package io.recserve.embedding;

import io.recserve.model.serving.PgPools;
import io.recserve.model.serving.ServedModel;
import io.recserve.model.store.FileModelRepository;
import io.recserve.model.store.UserVectors;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Where user vectors of a model version are read from: the data folder or PostgreSQL. */
public interface UserEmbeddingStore extends ServedModel.Source<UserVectors> {
  static UserEmbeddingStore fromConfig(Vertx vertx, JsonObject config) {
    if (PgPools.configured(config)) return new PgUserEmbeddingStore(PgPools.create(vertx, config));
    return new FileUserEmbeddingStore(vertx, FileModelRepository.folder(config));
  }

  default void close() {}
}

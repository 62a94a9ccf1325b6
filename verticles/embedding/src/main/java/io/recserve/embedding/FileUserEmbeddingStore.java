package io.recserve.embedding;

import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.store.ModelFiles;
import io.recserve.model.store.UserVectors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.OptionalLong;

/** User vectors from {@code <data>/models/<version>/users.bin}, read on a worker thread. */
final class FileUserEmbeddingStore implements UserEmbeddingStore {
  private final Vertx vertx;
  private final Path dataDir;
  private final Path models;

  FileUserEmbeddingStore(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.models = dataDir.resolve("models");
  }

  @Override
  public Future<OptionalLong> currentVersion() {
    return CurrentModelVersion.inDataFolder(vertx, dataDir);
  }

  @Override
  public Future<UserVectors> load(long version) {
    return vertx.executeBlocking(() -> ModelFiles.readUsers(models.resolve(Long.toString(version))), false);
  }
}

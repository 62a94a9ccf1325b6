package io.recserve.embedding;

import io.recserve.model.store.ModelFiles;
import io.recserve.model.store.UserVectors;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;

/** User vectors from {@code <data>/models/<version>/users.bin}, read on a worker thread. */
final class FileUserEmbeddingStore implements UserEmbeddingStore {
  private final Vertx vertx;
  private final Path dataDir;

  FileUserEmbeddingStore(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.dataDir = dataDir;
  }

  @Override
  public Future<Optional<VersionRef>> currentVersion() {
    return CurrentModelVersion.inDataFolder(vertx, dataDir);
  }

  @Override
  public Future<UserVectors> load(VersionRef version) {
    return vertx.executeBlocking(() -> {
      Path dir = dataDir.resolve("models").resolve(Long.toString(version.number()));
      if (!ModelFiles.ref(dir).id().equals(version.id())) throw new IllegalStateException("model version " + version + " was replaced in " + dir);
      return ModelFiles.readUsers(dir);
    }, false);
  }
}

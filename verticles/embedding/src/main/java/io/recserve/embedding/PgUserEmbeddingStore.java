package io.recserve.embedding;

import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.serving.VectorRows;
import io.recserve.model.store.UserVectors;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.OptionalLong;

/** User vectors from PostgreSQL's {@code user_embeddings} (float32 bytea) of one model version. */
final class PgUserEmbeddingStore implements UserEmbeddingStore {
  private final Pool pool;

  PgUserEmbeddingStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<OptionalLong> currentVersion() {
    return CurrentModelVersion.inPostgres(pool);
  }

  @Override
  public Future<UserVectors> load(long version) {
    return pool.preparedQuery("select user_id, vector, rated from user_embeddings where version = $1 order by user_id")
        .execute(Tuple.of(version)).map(rows -> {
          int[][] rated = new int[rows.size()][];
          VectorRows v = VectorRows.of(rows, (row, i) -> rated[i] = Arrays.stream(row.getArrayOfIntegers(2)).mapToInt(Integer::intValue).toArray());
          return new UserVectors(v.factors(), v.ids(), v.vectors(), rated);
        });
  }

  @Override
  public void close() {
    pool.close();
  }
}

package io.recserve.embedding;

import io.recserve.model.serving.CurrentModelVersion;
import io.recserve.model.store.UserVectors;
import io.recserve.model.store.VectorCodec;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
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
          int n = rows.size();
          int[] ids = new int[n];
          int[][] rated = new int[n][];
          float[] vectors = null;
          int f = 0, i = 0;
          for (Row row : rows) {
            byte[] bytes = row.getBuffer(1).getBytes();
            if (vectors == null) {
              f = bytes.length / Float.BYTES;
              vectors = new float[n * f];
            }
            ids[i] = row.getInteger(0);
            VectorCodec.decode(bytes, vectors, i * f);
            Integer[] r = row.getArrayOfIntegers(2);
            rated[i] = new int[r.length];
            for (int k = 0; k < r.length; k++) rated[i][k] = r[k];
            i++;
          }
          return new UserVectors(f, ids, vectors == null ? new float[0] : vectors, rated);
        });
  }

  @Override
  public void close() {
    pool.close();
  }
}

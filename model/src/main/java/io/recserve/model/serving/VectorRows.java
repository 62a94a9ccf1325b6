package io.recserve.model.serving;

import io.recserve.model.store.VectorCodec;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.function.ObjIntConsumer;

/**
 * Rows of {@code (id, vector bytea, ...)} from PostgreSQL as flat arrays: ids, and the vectors row-major. The
 * dimension comes from the first vector. {@code extra} sees each row with its position, for the other columns.
 */
public record VectorRows(int factors, int[] ids, float[] vectors) {
  public static VectorRows of(RowSet<Row> rows, ObjIntConsumer<Row> extra) {
    int n = rows.size(), i = 0, f = 0;
    int[] ids = new int[n];
    float[] vectors = new float[0];
    for (Row row : rows) {
      byte[] bytes = row.getBuffer(1).getBytes();
      if (i == 0) {
        f = bytes.length / Float.BYTES;
        vectors = new float[n * f];
      }
      ids[i] = row.getInteger(0);
      VectorCodec.decode(bytes, vectors, i * f);
      extra.accept(row, i);
      i++;
    }
    return new VectorRows(f, ids, vectors);
  }
}

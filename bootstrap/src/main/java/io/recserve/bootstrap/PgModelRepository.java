package io.recserve.bootstrap;

import io.recserve.model.Json;
import io.recserve.model.Progress;
import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
import io.recserve.model.serving.RatingScale;
import io.recserve.model.store.ModelRepository;
import io.recserve.model.store.ModelVersionInfo;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.TrainedModel;
import io.recserve.model.store.UserVectors;
import io.recserve.model.store.VectorCodec;
import io.recserve.model.store.VersionRef;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.PgConnections;
import io.recserve.serving.PgModelReader;
import io.recserve.serving.PgSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The production store: PostgreSQL through JDBC, bulk writes with COPY, each import and each model version in one
 * transaction, the current version switched with a NOTIFY on {@value #CHANNEL} that serving listens to.
 */
public final class PgModelRepository implements ModelRepository {
  public static final String CHANNEL = CurrentModelVersion.CHANNEL;
  private static final HexFormat HEX = HexFormat.of();
  private final PgSettings settings;

  public PgModelRepository(String url, String schema) {
    this(PgSettings.parse(url, schema));
  }

  public PgModelRepository(PgSettings settings) {
    this.settings = settings;
  }

  public PgSettings settings() {
    return settings;
  }

  /** Creates or upgrades the schema with Flyway; returns the number of migrations applied. */
  public int migrate() {
    var result = Flyway.configure()
        .dataSource(settings.jdbcUrl(), settings.options().getUser(), settings.hasPassword() ? settings.options().getPassword() : null)
        .schemas(settings.schema()).defaultSchema(settings.schema()).createSchemas(true)
        .locations("classpath:db/migration")
        .load().migrate();
    return result.migrationsExecuted;
  }

  private Connection connect() throws SQLException {
    Connection c = PgConnections.open(settings, "recserve-bootstrap");
    c.setAutoCommit(false);
    return c;
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException, IOException;
  }

  private <T> T transaction(Work<T> work) {
    try (Connection c = connect()) {
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | IOException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- data set ----

  @Override
  public void saveDataset(MovieLensData data, String source) {
    transaction(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("truncate ratings, movies");
      }
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      copy.copyIn("copy movies (movie_id, title, genres) from stdin (format csv)", new CsvRows(data.movies().size(), (i, out) -> {
        Movie m = data.movies().get(i);
        out.append(m.id()).append(',');
        CsvRows.quote(out, m.title());
        out.append(',');
        CsvRows.quote(out, CsvRows.textArray(m.genres()));
      }));
      Ratings r = data.ratings();
      try (Progress progress = Progress.start("copy ratings to PostgreSQL", "ratings", r.size())) {
        copy.copyIn("copy ratings (user_id, movie_id, rating, rated_at) from stdin (format csv)", new CsvRows(r.size(), (i, out) -> {
          out.append(r.user(i)).append(',').append(r.movie(i)).append(',').append(r.rating(i)).append(',').append(r.time(i));
          progress.advance(1);
        }));
      }
      try (PreparedStatement p = c.prepareStatement("insert into dataset_imports (source, movies, ratings) values (?, ?, ?)")) {
        p.setString(1, source);
        p.setInt(2, data.movies().size());
        p.setLong(3, r.size());
        p.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public boolean hasDataset() {
    return transaction(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select exists (select 1 from movies)")) {
        rs.next();
        return rs.getBoolean(1);
      }
    });
  }

  @Override
  public MovieLensData loadDataset() {
    return transaction(c -> {
      List<Movie> movies = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select movie_id, title, genres from movies order by movie_id")) {
        while (rs.next()) movies.add(new Movie(rs.getInt(1), rs.getString(2), Arrays.asList((String[]) rs.getArray(3).getArray())));
      }
      if (movies.isEmpty()) throw new IllegalStateException("no data imported into PostgreSQL: run 'bootstrap import' first");
      int count;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from ratings")) {
        rs.next();
        count = rs.getInt(1);
      }
      Ratings ratings = new Ratings(count);
      try (Statement s = c.createStatement()) {
        s.setFetchSize(50_000);
        try (ResultSet rs = s.executeQuery("select user_id, movie_id, rating, rated_at from ratings")) {
          while (rs.next()) ratings.add(rs.getInt(1), rs.getInt(2), rs.getFloat(3), rs.getLong(4));
        }
      }
      return new MovieLensData(movies, ratings);
    });
  }

  @Override
  public List<io.recserve.model.feedback.Feedback> feedback() {
    try (io.recserve.serving.PgFeedbackStore store = new io.recserve.serving.PgFeedbackStore(settings)) {
      return store.since(0);
    }
  }

  // ---- model versions ----

  @Override
  public long saveModel(TrainedModel model) {
    return transaction(c -> {
      long version;
      UserVectors users = model.users();
      MovieVectors movies = model.movies();
      int f = users.factors();
      try (PreparedStatement p = c.prepareStatement(
          "insert into model_versions (factors, params, users, movies, trained_through, rating_min, rating_max, rating_step) "
              + "values (?, ?::jsonb, ?, ?, ?, ?, ?, ?) returning version")) {
        p.setInt(1, f);
        p.setString(2, Json.write(model.params().toMap()));
        p.setInt(3, users.size());
        p.setInt(4, movies.size());
        p.setLong(5, model.trainedThrough());
        RatingScale scale = model.scale();
        for (int k = 0; k < 3; k++) {
          if (scale == null) p.setNull(6 + k, java.sql.Types.REAL);
          else p.setFloat(6 + k, (float) (k == 0 ? scale.minimum() : k == 1 ? scale.maximum() : scale.step()));
        }
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          version = rs.getLong(1);
        }
      }
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      copy.copyIn("copy user_embeddings (version, user_id, vector, rated, ratings) from stdin (format csv)", new CsvRows(users.size(), (i, out) -> {
        out.append(version).append(',').append(users.ids()[i]).append(",\\x")
            .append(HEX.formatHex(VectorCodec.encode(users.vectors(), i * f, f))).append(",\"{");
        int[] rated = users.rated()[i];
        for (int k = 0; k < rated.length; k++) {
          if (k > 0) out.append(',');
          out.append(rated[k]);
        }
        out.append("}\",\"{");
        float[] ratings = users.ratingsOf(i);
        for (int k = 0; k < ratings.length; k++) {
          if (k > 0) out.append(',');
          out.append(ratings[k]);
        }
        out.append("}\"");
      }));
      copy.copyIn("copy movie_embeddings (version, movie_id, vector, title, genres) from stdin (format csv)", new CsvRows(movies.size(), (i, out) -> {
        Movie m = movies.movies().get(i);
        out.append(version).append(',').append(movies.ids()[i]).append(",\\x")
            .append(HEX.formatHex(VectorCodec.encode(movies.vectors(), i * f, f))).append(',');
        CsvRows.quote(out, m.title());
        out.append(',');
        CsvRows.quote(out, CsvRows.textArray(m.genres()));
      }));
      return version;
    });
  }

  @Override
  public TrainedModel loadModel(long version) {
    return transaction(c -> {
      AlsParams params;
      long trainedThrough;
      try (PreparedStatement p = c.prepareStatement("select params::text, trained_through from model_versions where version = ? and pruned_at is null")) {
        p.setLong(1, version);
        try (ResultSet rs = p.executeQuery()) {
          if (!rs.next()) throw new IllegalArgumentException("no model version " + version);
          params = AlsParams.fromMap(Json.readMap(rs.getString(1)));
          trainedThrough = rs.getLong(2);
        }
      }
      return new TrainedModel(params, PgModelReader.users(c, version), PgModelReader.movies(c, version), trainedThrough,
          PgModelReader.scale(c, version));
    });
  }

  @Override
  public void saveEvaluation(long version, Map<String, Object> evaluation) {
    transaction(c -> {
      try (PreparedStatement p = c.prepareStatement("update model_versions set evaluation = ?::jsonb where version = ?")) {
        p.setString(1, Json.write(evaluation));
        p.setLong(2, version);
        if (p.executeUpdate() != 1) throw new IllegalArgumentException("no model version " + version);
      }
      return null;
    });
  }

  @Override
  public List<ModelVersionInfo> versions() {
    return transaction(c -> {
      List<ModelVersionInfo> out = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "select v.version, v.uuid::text, v.created_at, v.params::text, v.users, v.movies, v.evaluation::text, c.version is not null, "
              + "v.trained_through, v.rating_min, v.rating_max, v.rating_step "
              + "from model_versions v left join model_current c on c.version = v.version where v.pruned_at is null order by v.version")) {
        while (rs.next()) {
          String evaluation = rs.getString(7);
          rs.getFloat(10);
          RatingScale scale = rs.wasNull() ? null : new RatingScale(rs.getFloat(10), rs.getFloat(11), rs.getFloat(12));
          out.add(new ModelVersionInfo(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant().toString(), Json.readMap(rs.getString(4)),
              rs.getInt(5), rs.getInt(6), evaluation == null ? null : Json.readMap(evaluation), rs.getBoolean(8), rs.getLong(9), scale));
        }
      }
      return out;
    });
  }

  @Override
  public Optional<VersionRef> currentRef() {
    return transaction(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "select c.version, v.uuid::text from model_current c join model_versions v on v.version = c.version")) {
        return rs.next() ? Optional.of(new VersionRef(rs.getLong(1), rs.getString(2))) : Optional.empty();
      }
    });
  }

  @Override
  public void makeCurrent(long version) {
    transaction(c -> {
      try (PreparedStatement p = c.prepareStatement("select pruned_at from model_versions where version = ?")) {
        p.setLong(1, version);
        try (ResultSet rs = p.executeQuery()) {
          if (!rs.next()) throw new IllegalArgumentException("no model version " + version);
          if (rs.getTimestamp(1) != null) {
            throw new IllegalArgumentException("model version " + version + " was pruned (" + rs.getTimestamp(1).toInstant()
                + "); only the newest versions and the current one are kept (model.keep-versions). Publish one of "
                + versions().stream().map(ModelVersionInfo::version).toList() + ", or train a new one");
          }
        }
      }
      try (PreparedStatement p = c.prepareStatement(
          "insert into model_current (id, version) values (true, ?) on conflict (id) do update set version = excluded.version, updated_at = now()")) {
        p.setLong(1, version);
        p.executeUpdate();
      }
      try (PreparedStatement p = c.prepareStatement("select pg_notify('" + CHANNEL + "', ?)")) {
        p.setString(1, Long.toString(version));
        p.execute();
      }
      return null;
    });
  }

  @Override
  public List<Long> prune(int keep) {
    return transaction(c -> {
      List<Long> pruned = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("update model_versions set pruned_at = now() where pruned_at is null "
          + "and version not in (select version from model_current) "
          + "and version not in (select version from model_versions where pruned_at is null order by version desc limit ?) returning version")) {
        p.setInt(1, Math.max(0, keep));
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) pruned.add(rs.getLong(1));
        }
      }
      if (!pruned.isEmpty()) {
        Long[] numbers = pruned.toArray(Long[]::new);
        for (String table : List.of("user_embeddings", "movie_embeddings")) {
          try (PreparedStatement p = c.prepareStatement("delete from " + table + " where version = any (?)")) {
            p.setArray(1, c.createArrayOf("bigint", numbers));
            p.executeUpdate();
          }
        }
      }
      pruned.sort(null);
      return pruned;
    });
  }

  /** Streams rows as CSV text to COPY without building the whole text in memory. */
  static final class CsvRows extends Reader {
    interface Row {
      void write(int index, StringBuilder out);
    }

    private final int rows;
    private final Row row;
    private final StringBuilder buffer = new StringBuilder(1 << 16);
    private int next;
    private int position;

    CsvRows(int rows, Row row) {
      this.rows = rows;
      this.row = row;
    }

    static void quote(StringBuilder out, String value) {
      out.append('"').append(value.replace("\"", "\"\"")).append('"');
    }

    /** A PostgreSQL text[] literal: {"a","b"} with backslashes and quotes escaped. */
    static String textArray(List<String> values) {
      StringBuilder s = new StringBuilder("{");
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) s.append(',');
        s.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
      return s.append('}').toString();
    }

    @Override
    public int read(char[] target, int offset, int length) {
      if (position == buffer.length()) {
        buffer.setLength(0);
        position = 0;
        while (next < rows && buffer.length() < (1 << 15)) {
          row.write(next++, buffer);
          buffer.append('\n');
        }
        if (buffer.length() == 0) return -1;
      }
      int n = Math.min(length, buffer.length() - position);
      buffer.getChars(position, position + n, target, offset);
      position += n;
      return n;
    }

    @Override
    public void close() {}
  }
}

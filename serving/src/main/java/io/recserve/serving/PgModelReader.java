package io.recserve.serving;

import io.recserve.model.movielens.Movie;
import io.recserve.model.store.MovieVectors;
import io.recserve.model.store.UserVectors;
import io.recserve.model.store.VectorCodec;
import io.recserve.model.store.VersionRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a model version's vectors from PostgreSQL with JDBC, streamed by a cursor straight into primitive arrays: no
 * row set held whole, no boxing of rated ids. Blocking: call it on a worker thread, never on an event loop
 * (vertx-pg-client would decode a whole version's rows on the event loop).
 */
public final class PgModelReader {
  private static final int FETCH = 10_000;

  private PgModelReader() {}

  /** Users of {@code version}, sorted by id, with the movies each rated; fails if the version's id is not {@code ref}'s. */
  public static UserVectors users(Connection c, VersionRef ref) throws SQLException {
    checkId(c, ref);
    return users(c, ref.number());
  }

  /** Movies of {@code version}, sorted by id; fails if the version's id is not {@code ref}'s. */
  public static MovieVectors movies(Connection c, VersionRef ref) throws SQLException {
    checkId(c, ref);
    return movies(c, ref.number());
  }

  private static void checkId(Connection c, VersionRef ref) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("select uuid::text from model_versions where version = ? and pruned_at is null")) {
      p.setLong(1, ref.number());
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) throw new SQLException("no model version " + ref.number());
        if (!rs.getString(1).equals(ref.id())) throw new SQLException("model version " + ref.number() + " is no longer " + ref + " (the store was recreated)");
      }
    }
  }

  /** Users of {@code version}, sorted by id, with the movies each rated. */
  public static UserVectors users(Connection c, long version) throws SQLException {
    int[] size = size(c, version, "users");
    int n = size[0], f = size[1];
    int[] ids = new int[n];
    float[] vectors = new float[n * f];
    int[][] rated = new int[n][];
    float[][] ratings = new float[n][];
    boolean allRatings = true;
    int i = 0;
    try (PreparedStatement p = cursor(c, "select user_id, vector, rated::text, ratings::text from user_embeddings where version = ? order by user_id", version);
         ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        if (i == n) throw new SQLException("version " + version + " holds more users than model_versions says (" + n + ")");
        ids[i] = rs.getInt(1);
        VectorCodec.decode(rs.getBytes(2), vectors, i * f);
        rated[i] = intArray(rs.getString(3));
        String r = rs.getString(4);
        if (r == null) allRatings = false;
        else ratings[i] = floatArray(r);
        i++;
      }
    }
    if (i != n) throw new SQLException("version " + version + " holds " + i + " users, model_versions says " + n);
    return new UserVectors(f, ids, vectors, rated, allRatings ? ratings : null);
  }

  /** Movies of {@code version}, sorted by id, with titles and genres. */
  public static MovieVectors movies(Connection c, long version) throws SQLException {
    int[] size = size(c, version, "movies");
    int n = size[0], f = size[1];
    int[] ids = new int[n];
    float[] vectors = new float[n * f];
    List<Movie> movies = new ArrayList<>(n);
    int i = 0;
    try (PreparedStatement p = cursor(c, "select movie_id, vector, title, genres from movie_embeddings where version = ? order by movie_id", version);
         ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        if (i == n) throw new SQLException("version " + version + " holds more movies than model_versions says (" + n + ")");
        ids[i] = rs.getInt(1);
        VectorCodec.decode(rs.getBytes(2), vectors, i * f);
        movies.add(new Movie(ids[i], rs.getString(3), Arrays.asList((String[]) rs.getArray(4).getArray())));
        i++;
      }
    }
    if (i != n) throw new SQLException("version " + version + " holds " + i + " movies, model_versions says " + n);
    return new MovieVectors(f, ids, vectors, movies);
  }

  private static int[] size(Connection c, long version, String column) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("select " + column + ", factors from model_versions where version = ?")) {
      p.setLong(1, version);
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) throw new SQLException("no model version " + version);
        return new int[] {rs.getInt(1), rs.getInt(2)};
      }
    }
  }

  /** A statement PostgreSQL's driver streams with a cursor: it needs a transaction (no autocommit) and a fetch size. */
  private static PreparedStatement cursor(Connection c, String sql, long version) throws SQLException {
    c.setAutoCommit(false);
    PreparedStatement p = c.prepareStatement(sql);
    p.setFetchSize(FETCH);
    p.setLong(1, version);
    return p;
  }

  /** The rating scale a version records, or null. */
  public static io.recserve.model.serving.RatingScale scale(Connection c, long version) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("select rating_min, rating_max, rating_step from model_versions where version = ?")) {
      p.setLong(1, version);
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) return null;
        float min = rs.getFloat(1);
        if (rs.wasNull()) return null;
        return new io.recserve.model.serving.RatingScale(min, rs.getFloat(2), rs.getFloat(3));
      }
    }
  }

  /** The last feedback merged into a version's training. */
  public static long trainedThrough(Connection c, long version) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("select trained_through from model_versions where version = ?")) {
      p.setLong(1, version);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  /** PostgreSQL's text form of a real array, {@code {1,2.5,3}}. */
  static float[] floatArray(String text) {
    if (text.length() <= 2) return new float[0];
    String[] parts = text.substring(1, text.length() - 1).split(",");
    float[] out = new float[parts.length];
    for (int k = 0; k < parts.length; k++) out[k] = Float.parseFloat(parts[k]);
    return out;
  }

  /** PostgreSQL's text form of an integer array, {@code {1,2,3}}, without boxing. */
  static int[] intArray(String text) {
    int count = 0;
    for (int k = 1; k < text.length() - 1; k++) if (text.charAt(k) == ',') count++;
    if (text.length() <= 2) return new int[0];
    int[] out = new int[count + 1];
    int value = 0, index = 0;
    boolean negative = false;
    for (int k = 1; k < text.length(); k++) {
      char ch = text.charAt(k);
      if (ch == ',' || ch == '}') {
        out[index++] = negative ? -value : value;
        value = 0;
        negative = false;
      } else if (ch == '-') {
        negative = true;
      } else {
        value = value * 10 + (ch - '0');
      }
    }
    return out;
  }
}

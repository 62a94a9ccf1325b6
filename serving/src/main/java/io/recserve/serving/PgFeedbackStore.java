package io.recserve.serving;

import io.recserve.model.feedback.Feedback;
import io.recserve.model.feedback.FeedbackStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Feedback in PostgreSQL's {@code feedback} table, through one JDBC connection (opened again after a failure). Each
 * {@link #add} is committed before it returns; the table's unique (user, movie, time) refuses a duplicate.
 */
public final class PgFeedbackStore implements FeedbackStore {
  private final PgSettings settings;
  private Connection connection;

  public PgFeedbackStore(PgSettings settings) {
    this.settings = settings;
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private synchronized <T> T with(Work<T> work) {
    try {
      if (connection == null || connection.isClosed()) connection = PgConnections.open(settings, "recserve-feedback");
      return work.run(connection);
    } catch (SQLException e) {
      closeQuietly();
      throw new IllegalStateException("PostgreSQL: " + e.getMessage(), e);
    }
  }

  @Override
  public Feedback add(int userId, int movieId, Float rating, long ratedAt) {
    return with(c -> {
        try (PreparedStatement p = c.prepareStatement(
            "insert into feedback (user_id, movie_id, rating, rated_at) values (?, ?, ?, ?) on conflict (user_id, movie_id, rated_at) where rating is not null do nothing returning seq")) {
          p.setInt(1, userId);
          p.setInt(2, movieId);
          if (rating == null) p.setNull(3, Types.REAL);
          else p.setFloat(3, rating);
          p.setLong(4, ratedAt);
          try (ResultSet rs = p.executeQuery()) {
            if (!rs.next()) throw new DuplicateFeedbackException(userId, movieId, ratedAt);
            return new Feedback(rs.getLong(1), userId, movieId, rating, ratedAt);
          }
        }
      });
  }

  @Override
  public List<Feedback> since(long afterSeq) {
    return with(c -> read(c, "select seq, user_id, movie_id, rating, rated_at from feedback where seq > ? order by seq", afterSeq, null));
  }

  @Override
  public List<Feedback> ofUser(int userId, long afterSeq) {
    return with(c -> read(c, "select seq, user_id, movie_id, rating, rated_at from feedback where seq > ? and user_id = ? order by seq", afterSeq, userId));
  }

  private static List<Feedback> read(Connection c, String sql, long afterSeq, Integer userId) throws SQLException {
    List<Feedback> out = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, afterSeq);
      if (userId != null) p.setInt(2, userId);
      p.setFetchSize(10_000);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          float value = rs.getFloat(4);
          Float rating = rs.wasNull() ? null : value; // right after its own get: wasNull() speaks of the last column read
          out.add(new Feedback(rs.getLong(1), rs.getInt(2), rs.getInt(3), rating, rs.getLong(5)));
        }
      }
    }
    return out;
  }

  @Override
  public int forget(int userId) {
    return with(c -> {
      try (PreparedStatement p = c.prepareStatement("delete from feedback where user_id = ? and rating is not null")) {
        p.setInt(1, userId);
        return p.executeUpdate();
      }
    });
  }

  @Override
  public long lastSeq() {
    return with(c -> {
      try (PreparedStatement p = c.prepareStatement("select coalesce(max(seq), 0) from feedback"); ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  private void closeQuietly() {
    try {
      if (connection != null) connection.close();
    } catch (SQLException ignored) {
      // gone already
    }
    connection = null;
  }

  @Override
  public synchronized void close() {
    closeQuietly();
  }
}

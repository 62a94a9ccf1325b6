package io.recserve.model.store;

import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk form of one model version: {@code manifest.json}, {@code users.bin} (per user: id, vector, rated
 * movie ids) and {@code movies.bin} (per movie: id, vector, title, genres), all big-endian DataOutput.
 */
public final class ModelFiles {
  public static final String MANIFEST = "manifest.json";
  public static final String USERS = "users.bin";
  public static final String MOVIES = "movies.bin";
  public static final String EVALUATION = "evaluation.json";
  private static final int MAGIC = 0x52435356; // "RCSV"

  private ModelFiles() {}

  public static void write(Path dir, long version, TrainedModel model) {
    try {
      Files.createDirectories(dir);
      UserVectors users = model.users();
      int f = users.factors();
      try (DataOutputStream out = output(dir.resolve(USERS))) {
        out.writeInt(MAGIC);
        out.writeInt(users.size());
        out.writeInt(f);
        for (int u = 0; u < users.size(); u++) {
          out.writeInt(users.ids()[u]);
          for (int d = 0; d < f; d++) out.writeFloat(users.vectors()[u * f + d]);
          out.writeInt(users.rated()[u].length);
          for (int m : users.rated()[u]) out.writeInt(m);
        }
      }
      MovieVectors movies = model.movies();
      try (DataOutputStream out = output(dir.resolve(MOVIES))) {
        out.writeInt(MAGIC);
        out.writeInt(movies.size());
        out.writeInt(f);
        for (int i = 0; i < movies.size(); i++) {
          out.writeInt(movies.ids()[i]);
          for (int d = 0; d < f; d++) out.writeFloat(movies.vectors()[i * f + d]);
          Movie movie = movies.movies().get(i);
          out.writeUTF(movie.title());
          out.writeShort(movie.genres().size());
          for (String g : movie.genres()) out.writeUTF(g);
        }
      }
      JsonObject manifest = new JsonObject().put("version", version).put("created_at", java.time.Instant.now().toString())
          .put("params", model.params().toJson()).put("users", users.size()).put("movies", movies.size());
      Files.writeString(dir.resolve(MANIFEST), manifest.encodePrettily(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonObject manifest(Path dir) {
    try {
      return new JsonObject(Files.readString(dir.resolve(MANIFEST)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TrainedModel read(Path dir) {
    return new TrainedModel(AlsParams.fromJson(manifest(dir).getJsonObject("params")), readUsers(dir), readMovies(dir));
  }

  public static UserVectors readUsers(Path dir) {
    try (DataInputStream in = input(dir.resolve(USERS))) {
      int n = in.readInt(), f = in.readInt();
      int[] ids = new int[n];
      float[] vectors = new float[n * f];
      int[][] rated = new int[n][];
      for (int u = 0; u < n; u++) {
        ids[u] = in.readInt();
        for (int d = 0; d < f; d++) vectors[u * f + d] = in.readFloat();
        rated[u] = new int[in.readInt()];
        for (int k = 0; k < rated[u].length; k++) rated[u][k] = in.readInt();
      }
      return new UserVectors(f, ids, vectors, rated);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir.resolve(USERS), e);
    }
  }

  public static MovieVectors readMovies(Path dir) {
    try (DataInputStream in = input(dir.resolve(MOVIES))) {
      int n = in.readInt(), f = in.readInt();
      int[] ids = new int[n];
      float[] vectors = new float[n * f];
      List<Movie> movies = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ids[i] = in.readInt();
        for (int d = 0; d < f; d++) vectors[i * f + d] = in.readFloat();
        String title = in.readUTF();
        int genres = in.readShort();
        List<String> g = new ArrayList<>(genres);
        for (int k = 0; k < genres; k++) g.add(in.readUTF());
        movies.add(new Movie(ids[i], title, g));
      }
      return new MovieVectors(f, ids, vectors, movies);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir.resolve(MOVIES), e);
    }
  }

  private static DataOutputStream output(Path file) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
  }

  private static DataInputStream input(Path file) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    if (in.readInt() != MAGIC) throw new IOException(file + " is not a Recserve model file");
    return in;
  }
}

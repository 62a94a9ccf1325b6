package io.recserve.model.store;

import io.recserve.model.Json;
import io.recserve.model.als.AlsParams;
import io.recserve.model.movielens.Movie;
import io.recserve.model.serving.RatingScale;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The on-disk form of one model version: {@code manifest.json}, {@code users.bin} (per user: id, vector, rated
 * movie ids) and {@code movies.bin} (per movie: id, vector, title, genres).
 *
 * <p>Format 3 (written now) starts with the magic {@code RCS2} and the format number, then holds every number
 * little-endian, as {@link VectorCodec} does, and strings as a length and UTF-8 bytes; each user's ratings follow the
 * rated movie ids. Format 2 (the same without ratings) and format 1 (magic {@code RCSV}, big-endian
 * {@code DataOutput}, written before format numbers existed) are still read. A newer format is refused with a message
 * that says so.
 */
public final class ModelFiles {
  public static final String MANIFEST = "manifest.json";
  public static final String USERS = "users.bin";
  public static final String MOVIES = "movies.bin";
  public static final String EVALUATION = "evaluation.json";
  public static final int FORMAT = 3;
  private static final int MAGIC_V1 = 0x52435356; // "RCSV", big-endian
  private static final int MAGIC = 0x32534352;    // "RCS2" read as a little-endian int

  private ModelFiles() {}

  public static void write(Path dir, VersionRef ref, TrainedModel model) {
    try {
      Files.createDirectories(dir);
      UserVectors users = model.users();
      int f = users.factors();
      try (Out out = new Out(Files.newOutputStream(dir.resolve(USERS)))) {
        out.header(users.size(), f);
        for (int u = 0; u < users.size(); u++) {
          out.writeInt(users.ids()[u]);
          out.writeFloats(users.vectors(), u * f, f);
          out.writeInt(users.rated()[u].length);
          for (int m : users.rated()[u]) out.writeInt(m);
          float[] ratings = users.ratingsOf(u);
          out.writeFloats(ratings, 0, ratings.length);
        }
      }
      MovieVectors movies = model.movies();
      try (Out out = new Out(Files.newOutputStream(dir.resolve(MOVIES)))) {
        out.header(movies.size(), f);
        for (int i = 0; i < movies.size(); i++) {
          out.writeInt(movies.ids()[i]);
          out.writeFloats(movies.vectors(), i * f, f);
          Movie movie = movies.movies().get(i);
          out.writeString(movie.title());
          out.writeInt(movie.genres().size());
          for (String g : movie.genres()) out.writeString(g);
        }
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("format", FORMAT);
      manifest.put("version", ref.number());
      manifest.put("id", ref.id());
      manifest.put("created_at", Instant.now().toString());
      manifest.put("params", model.params().toMap());
      manifest.put("users", users.size());
      manifest.put("movies", movies.size());
      manifest.put("trained_through", model.trainedThrough());
      if (model.scale() != null) manifest.put("rating_scale", scaleMap(model.scale()));
      Files.writeString(dir.resolve(MANIFEST), Json.pretty(manifest), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Map<String, Object> manifest(Path dir) {
    try {
      return Json.readMap(Files.readString(dir.resolve(MANIFEST)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The version's number and id. A version written before ids existed gets one derived from its number and creation
   * time: stable across reads, and different for a version recreated under the same number.
   */
  public static VersionRef ref(Path dir) {
    Map<String, Object> m = manifest(dir);
    long number = ((Number) m.get("version")).longValue();
    Object id = m.get("id");
    if (id instanceof String s && !s.isBlank()) return new VersionRef(number, s);
    return new VersionRef(number, UUID.nameUUIDFromBytes(("recserve-legacy:" + number + ":" + m.get("created_at")).getBytes(StandardCharsets.UTF_8)).toString());
  }

  @SuppressWarnings("unchecked")
  public static TrainedModel read(Path dir) {
    Map<String, Object> m = manifest(dir);
    return new TrainedModel(AlsParams.fromMap((Map<String, Object>) m.get("params")), readUsers(dir), readMovies(dir), trainedThrough(m), scale(m));
  }

  static Map<String, Object> scaleMap(RatingScale scale) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("min", scale.minimum());
    out.put("max", scale.maximum());
    out.put("step", scale.step());
    return out;
  }

  /** The rating scale a manifest records, or null (versions stored before scales were). */
  @SuppressWarnings("unchecked")
  public static RatingScale scale(Map<String, Object> manifest) {
    if (!(manifest.get("rating_scale") instanceof Map<?, ?> s)) return null;
    Map<String, Object> m = (Map<String, Object>) s;
    return new RatingScale(((Number) m.get("min")).doubleValue(), ((Number) m.get("max")).doubleValue(), ((Number) m.get("step")).doubleValue());
  }

  public static long trainedThrough(Map<String, Object> manifest) {
    return manifest.get("trained_through") instanceof Number n ? n.longValue() : 0;
  }

  public static UserVectors readUsers(Path dir) {
    Path file = dir.resolve(USERS);
    try (In in = In.open(file)) {
      int n = in.readInt(), f = in.readInt();
      checkHeader(file, n, f);
      int[] ids = new int[n];
      float[] vectors = new float[n * f];
      int[][] rated = new int[n][];
      float[][] ratings = in.format >= 3 ? new float[n][] : null;
      for (int u = 0; u < n; u++) {
        ids[u] = in.readInt();
        in.readFloats(vectors, u * f, f);
        rated[u] = new int[in.readInt()];
        for (int k = 0; k < rated[u].length; k++) rated[u][k] = in.readInt();
        if (ratings != null) {
          ratings[u] = new float[rated[u].length];
          in.readFloats(ratings[u], 0, ratings[u].length);
        }
      }
      return new UserVectors(f, ids, vectors, rated, ratings);
    } catch (IOException | RuntimeException e) {
      throw unreadable(file, e);
    }
  }

  public static MovieVectors readMovies(Path dir) {
    Path file = dir.resolve(MOVIES);
    try (In in = In.open(file)) {
      int n = in.readInt(), f = in.readInt();
      checkHeader(file, n, f);
      int[] ids = new int[n];
      float[] vectors = new float[n * f];
      List<Movie> movies = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ids[i] = in.readInt();
        in.readFloats(vectors, i * f, f);
        String title = in.readString();
        int genres = in.readCount();
        List<String> g = new ArrayList<>(genres);
        for (int k = 0; k < genres; k++) g.add(in.readString());
        movies.add(new Movie(ids[i], title, g));
      }
      return new MovieVectors(f, ids, vectors, movies);
    } catch (IOException | RuntimeException e) {
      throw unreadable(file, e);
    }
  }

  /** A count or a size the header gives that the file cannot hold is damage, found before allocating for it. */
  private static void checkHeader(Path file, int rows, int factors) throws IOException {
    if (rows < 0 || factors < 0 || factors > 4096 || 4L * rows * factors > Files.size(file)) {
      throw new IOException("its header (" + rows + " rows of " + factors + " factors) does not fit its " + Files.size(file) + " bytes");
    }
  }

  /** A whole file written by a newer Recserve: not damage. */
  private static final class NewerFormat extends IOException {
    NewerFormat(String message) {
      super(message);
    }
  }

  /** One message for a model file that cannot be read: which file, and why, in words (EOF: cut short). */
  private static UncheckedIOException unreadable(Path file, Exception e) {
    if (e instanceof NewerFormat newer) return new UncheckedIOException("cannot read " + file + ": " + newer.getMessage(), newer);
    String why = e instanceof EOFException || e.getCause() instanceof EOFException ? "it is cut short"
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    IOException cause = e instanceof IOException io ? io : new IOException(e);
    return new UncheckedIOException(file + " is damaged or not a model file: " + why
        + "; publish another version (bootstrap rollback, or bootstrap train and publish)", cause);
  }

  /** Format 2 writer: little-endian numbers through one reused buffer. */
  private static final class Out implements AutoCloseable {
    private final OutputStream out;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(VectorCodec.ORDER);

    Out(OutputStream out) {
      this.out = new BufferedOutputStream(out, 1 << 16);
    }

    void header(int n, int f) throws IOException {
      writeInt(MAGIC);
      writeInt(FORMAT);
      writeInt(n);
      writeInt(f);
    }

    private void room(int bytes) throws IOException {
      if (buffer.remaining() < bytes) flushBuffer();
    }

    private void flushBuffer() throws IOException {
      out.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }

    void writeInt(int v) throws IOException {
      room(4);
      buffer.putInt(v);
    }

    void writeFloats(float[] values, int offset, int length) throws IOException {
      for (int i = 0; i < length; i++) {
        room(4);
        buffer.putFloat(values[offset + i]);
      }
    }

    void writeString(String s) throws IOException {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      writeInt(bytes.length);
      flushBuffer();
      out.write(bytes);
    }

    @Override
    public void close() throws IOException {
      flushBuffer();
      out.close();
    }
  }

  /** Reads format 2 (little-endian) or format 1 (big-endian DataInput) after checking the magic. */
  private static final class In implements AutoCloseable {
    private final DataInputStream in;
    private final boolean legacy;
    int format = 1;
    private final byte[] four = new byte[4];
    private final ByteBuffer word = ByteBuffer.wrap(four).order(VectorCodec.ORDER);

    private In(DataInputStream in, boolean legacy) {
      this.in = in;
      this.legacy = legacy;
    }

    static In open(Path file) throws IOException {
      InputStream raw = Files.newInputStream(file);
      DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
      try {
        int first = in.readInt(); // big-endian read of the first four bytes
        if (first == MAGIC_V1) return new In(in, true);
        In reader = new In(in, false);
        if (Integer.reverseBytes(first) != MAGIC) throw new IOException("not a Recserve model file (no RCS2 or RCSV magic)");
        int format = reader.readInt();
        reader.format = format;
        if (format < 2 || format > FORMAT) {
          throw new NewerFormat("model file format " + format + " is newer than this Recserve reads (" + FORMAT + "); upgrade Recserve or retrain");
        }
        return reader;
      } catch (EOFException e) {
        in.close();
        throw new IOException("model file is truncated", e);
      } catch (IOException | RuntimeException e) {
        in.close();
        throw e;
      }
    }

    int readInt() throws IOException {
      if (legacy) return in.readInt();
      in.readFully(four);
      return word.getInt(0);
    }

    int readCount() throws IOException {
      return legacy ? in.readShort() : readInt();
    }

    void readFloats(float[] target, int offset, int length) throws IOException {
      for (int i = 0; i < length; i++) target[offset + i] = legacy ? in.readFloat() : Float.intBitsToFloat(readInt());
    }

    String readString() throws IOException {
      if (legacy) return in.readUTF();
      byte[] bytes = new byte[readInt()];
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}

package io.recserve.model.store;

import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The embedded store: a data folder holding {@code datasets/N/} (imports) and {@code models/N/} (model versions),
 * each with a {@code CURRENT} file naming the one in use. A folder is written under a temporary name and renamed
 * into place when complete; {@code CURRENT} is replaced by an atomic rename, so readers see old or new, never a mix.
 */
public final class FileModelRepository implements ModelRepository {
  public static final String CURRENT = "CURRENT";
  private static final int DATASETS_KEPT = 2;
  private final Path root;

  public FileModelRepository(Path root) {
    this.root = root;
  }

  /** The data folder the configuration names: {@code data.dir} (RECSERVE_DATA_DIR), {@code data} when unset. */
  public static Path folder(io.vertx.core.json.JsonObject config) {
    String dir = config.getJsonObject("data", new io.vertx.core.json.JsonObject()).getString("dir", "");
    return Path.of(dir.isBlank() ? "data" : dir);
  }

  public Path root() {
    return root;
  }

  public Path modelsDir() {
    return root.resolve("models");
  }

  public Path versionDir(long version) {
    return modelsDir().resolve(Long.toString(version));
  }

  /** The current version named by {@code dir/CURRENT}, read without the rest of the repository (serving uses this). */
  public static OptionalLong readCurrent(Path dir) {
    Path pointer = dir.resolve(CURRENT);
    try {
      if (!Files.isRegularFile(pointer)) return OptionalLong.empty();
      return OptionalLong.of(Long.parseLong(Files.readString(pointer).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  // ---- data set ----

  @Override
  public void saveDataset(MovieLensData data, String source) {
    Path datasets = root.resolve("datasets");
    long number = nextNumber(datasets);
    Path target = datasets.resolve(Long.toString(number));
    writeStaged(datasets, target, staging -> {
      try (BufferedWriter out = Files.newBufferedWriter(staging.resolve("movies.jsonl"), StandardCharsets.UTF_8)) {
        for (Movie m : data.movies()) {
          out.write(new JsonObject().put("id", m.id()).put("title", m.title()).put("genres", new JsonArray(m.genres())).encode());
          out.newLine();
        }
      }
      Ratings r = data.ratings();
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(staging.resolve("ratings.bin")), 1 << 16))) {
        out.writeInt(r.size());
        for (int i = 0; i < r.size(); i++) {
          out.writeInt(r.user(i));
          out.writeInt(r.movie(i));
          out.writeFloat(r.rating(i));
          out.writeLong(r.time(i));
        }
      }
      Files.writeString(staging.resolve("source.json"), new JsonObject().put("source", source)
          .put("movies", data.movies().size()).put("ratings", r.size()).put("imported_at", java.time.Instant.now().toString()).encodePrettily());
    });
    pointAt(datasets, number);
    pruneDatasets(datasets, number);
  }

  @Override
  public boolean hasDataset() {
    return readCurrent(root.resolve("datasets")).isPresent();
  }

  @Override
  public MovieLensData loadDataset() {
    Path datasets = root.resolve("datasets");
    long number = readCurrent(datasets).orElseThrow(() -> new IllegalStateException("no data imported into " + root + ": run 'bootstrap import' first"));
    Path dir = datasets.resolve(Long.toString(number));
    try {
      List<Movie> movies = new ArrayList<>();
      try (Stream<String> lines = Files.lines(dir.resolve("movies.jsonl"), StandardCharsets.UTF_8)) {
        lines.forEach(line -> {
          JsonObject json = new JsonObject(line);
          List<String> genres = new ArrayList<>();
          json.getJsonArray("genres").forEach(g -> genres.add((String) g));
          movies.add(new Movie(json.getInteger("id"), json.getString("title"), genres));
        });
      }
      Ratings ratings;
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve("ratings.bin")), 1 << 16))) {
        int n = in.readInt();
        ratings = new Ratings(n);
        for (int i = 0; i < n; i++) ratings.add(in.readInt(), in.readInt(), in.readFloat(), in.readLong());
      }
      return new MovieLensData(movies, ratings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- model versions ----

  @Override
  public long saveModel(TrainedModel model) {
    long version = nextNumber(modelsDir());
    writeStaged(modelsDir(), versionDir(version), staging -> ModelFiles.write(staging, version, model));
    return version;
  }

  @Override
  public TrainedModel loadModel(long version) {
    return ModelFiles.read(existing(version));
  }

  @Override
  public void saveEvaluation(long version, JsonObject evaluation) {
    Path dir = existing(version);
    try {
      Path tmp = Files.createTempFile(dir, "evaluation", ".tmp");
      Files.writeString(tmp, evaluation.encodePrettily());
      Files.move(tmp, dir.resolve(ModelFiles.EVALUATION), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<ModelVersionInfo> versions() {
    OptionalLong current = current();
    List<ModelVersionInfo> out = new ArrayList<>();
    for (long v : numbers(modelsDir())) {
      Path dir = versionDir(v);
      JsonObject m = ModelFiles.manifest(dir);
      JsonObject evaluation = null;
      try {
        if (Files.exists(dir.resolve(ModelFiles.EVALUATION))) evaluation = new JsonObject(Files.readString(dir.resolve(ModelFiles.EVALUATION)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.add(new ModelVersionInfo(v, m.getString("created_at"), m.getJsonObject("params"), m.getInteger("users"),
          m.getInteger("movies"), evaluation, current.isPresent() && current.getAsLong() == v));
    }
    return out;
  }

  @Override
  public OptionalLong current() {
    return readCurrent(modelsDir());
  }

  @Override
  public void makeCurrent(long version) {
    existing(version);
    pointAt(modelsDir(), version);
  }

  // ---- helpers ----

  private interface Writer {
    void write(Path staging) throws IOException;
  }

  private Path existing(long version) {
    Path dir = versionDir(version);
    if (!Files.isRegularFile(dir.resolve(ModelFiles.MANIFEST))) throw new IllegalArgumentException("no model version " + version + " in " + modelsDir());
    return dir;
  }

  private static void writeStaged(Path parent, Path target, Writer writer) {
    Path staging = null;
    try {
      Files.createDirectories(parent);
      staging = Files.createTempDirectory(parent, ".staging-");
      writer.write(staging);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(staging);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      deleteQuietly(staging);
      throw e;
    }
  }

  private static void pointAt(Path dir, long number) {
    try {
      Path tmp = Files.createTempFile(dir, "CURRENT", ".tmp");
      Files.writeString(tmp, Long.toString(number) + "\n");
      Files.move(tmp, dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Long> numbers(Path dir) {
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Long::parseLong)
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long nextNumber(Path dir) {
    List<Long> numbers = numbers(dir);
    return numbers.isEmpty() ? 1 : numbers.get(numbers.size() - 1) + 1;
  }

  private static void pruneDatasets(Path datasets, long keep) {
    List<Long> numbers = numbers(datasets);
    for (int i = 0; i < numbers.size() - DATASETS_KEPT; i++) {
      if (numbers.get(i) != keep) deleteQuietly(datasets.resolve(Long.toString(numbers.get(i))));
    }
  }

  static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover staging folder is never read
    }
  }
}

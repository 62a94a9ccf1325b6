package io.recserve.model.store;

import io.recserve.model.Json;
import io.recserve.model.movielens.Movie;
import io.recserve.model.movielens.MovieLensData;
import io.recserve.model.movielens.Ratings;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: a data folder holding {@code datasets/N/} (imports) and {@code models/N/} (model versions),
 * each with a {@code CURRENT} file naming the one in use. A folder is written under a temporary name and renamed
 * into place when complete; {@code CURRENT} is replaced by an atomic rename, so readers see old or new, never a mix.
 * A pruned version leaves a {@code models/N.pruned} marker, so publishing it later fails with a clear message.
 */
public final class FileModelRepository implements ModelRepository {
  public static final String CURRENT = "CURRENT";
  private static final String PRUNED = ".pruned";
  private static final int DATASETS_KEPT = 2;
  private static final Logger LOG = LoggerFactory.getLogger(FileModelRepository.class);
  private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The last damage reported by {@link #readCurrentRef}, which serving polls: each is logged once. */
  private static final AtomicReference<String> LAST_WARNING = new AtomicReference<>();
  private final Path root;

  public FileModelRepository(Path root) {
    this.root = root;
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

  /**
   * The current version named by {@code modelsDir/CURRENT} with its id, read without the rest of the repository;
   * empty when nothing was ever published. A damaged {@code CURRENT}, or one naming a version whose manifest is
   * missing or damaged, never stops a start: the newest intact version stands in for it, with one warning, until a
   * version is published again.
   */
  public static Optional<VersionRef> readCurrentRef(Path modelsDir) {
    Path pointer = modelsDir.resolve(CURRENT);
    if (!Files.exists(pointer)) return Optional.empty();
    String problem;
    try {
      long number = Long.parseLong(Files.readString(pointer).strip());
      Path dir = modelsDir.resolve(Long.toString(number));
      try {
        Optional<VersionRef> named = Optional.of(ModelFiles.ref(dir));
        LAST_WARNING.set(null);
        return named;
      } catch (RuntimeException e) {
        problem = pointer + " names version " + number + ", whose manifest is "
            + (Files.exists(dir.resolve(ModelFiles.MANIFEST)) ? "damaged" : "missing");
      }
    } catch (IOException | NumberFormatException e) {
      problem = pointer + " is damaged (it should hold a version number)";
    }
    Optional<VersionRef> newest = newestIntact(modelsDir);
    String warning = problem + (newest.isPresent()
        ? "; using the newest intact version, " + newest.get().number() + ", until a version is published"
        : "; no intact version is left: train and publish one");
    if (!warning.equals(LAST_WARNING.getAndSet(warning))) LOG.warn(warning);
    return newest;
  }

  private static Optional<VersionRef> newestIntact(Path modelsDir) {
    List<Long> numbers = new ArrayList<>(numbers(modelsDir));
    for (int i = numbers.size() - 1; i >= 0; i--) {
      Path dir = modelsDir.resolve(Long.toString(numbers.get(i)));
      if (!Files.isRegularFile(dir.resolve(ModelFiles.USERS)) || !Files.isRegularFile(dir.resolve(ModelFiles.MOVIES))) continue;
      try {
        return Optional.of(ModelFiles.ref(dir));
      } catch (RuntimeException e) {
        // this one's manifest is damaged too: look further back
      }
    }
    return Optional.empty();
  }

  private static OptionalLong readPointer(Path dir) {
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
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("id", m.id());
          line.put("title", m.title());
          line.put("genres", m.genres());
          out.write(Json.write(line));
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
      Map<String, Object> about = new LinkedHashMap<>();
      about.put("source", source);
      about.put("movies", data.movies().size());
      about.put("ratings", r.size());
      about.put("imported_at", Instant.now().toString());
      Files.writeString(staging.resolve("source.json"), Json.pretty(about));
    });
    pointAt(datasets, number);
    pruneDatasets(datasets, number);
  }

  @Override
  public boolean hasDataset() {
    return readPointer(root.resolve("datasets")).isPresent();
  }

  @Override
  @SuppressWarnings("unchecked")
  public MovieLensData loadDataset() {
    Path datasets = root.resolve("datasets");
    long number = readPointer(datasets).orElseThrow(() -> new IllegalStateException("no data imported into " + root + ": run 'bootstrap import' first"));
    Path dir = datasets.resolve(Long.toString(number));
    try {
      List<Movie> movies = new ArrayList<>();
      try (Stream<String> lines = Files.lines(dir.resolve("movies.jsonl"), StandardCharsets.UTF_8)) {
        lines.forEach(line -> {
          Map<String, Object> json = Json.readMap(line);
          movies.add(new Movie(((Number) json.get("id")).intValue(), (String) json.get("title"), List.copyOf((List<String>) json.get("genres"))));
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

  @Override
  public List<io.recserve.model.feedback.Feedback> feedback() {
    return io.recserve.model.feedback.FileFeedbackStore.read(root);
  }

  // ---- model versions ----

  @Override
  public long saveModel(TrainedModel model) {
    long version = nextNumber(modelsDir());
    writeStaged(modelsDir(), versionDir(version), staging -> ModelFiles.write(staging, new VersionRef(version, VersionRef.newId()), model));
    return version;
  }

  @Override
  public TrainedModel loadModel(long version) {
    return ModelFiles.read(existing(version));
  }

  @Override
  public void saveEvaluation(long version, Map<String, Object> evaluation) {
    Path dir = existing(version);
    try {
      Path tmp = Files.createTempFile(dir, "evaluation", ".tmp");
      Files.writeString(tmp, Json.pretty(evaluation));
      Files.move(tmp, dir.resolve(ModelFiles.EVALUATION), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every stored version whose manifest reads. One whose manifest is damaged is left out of the list (it cannot be
   * served either), and an evaluation file that does not read counts as none: each with one warning, so that neither
   * stops a start, a publish or the admin list.
   */
  @Override
  public List<ModelVersionInfo> versions() {
    OptionalLong current = current();
    List<ModelVersionInfo> out = new ArrayList<>();
    for (long v : numbers(modelsDir())) {
      Path dir = versionDir(v);
      if (!Files.isRegularFile(dir.resolve(ModelFiles.MANIFEST))) continue;
      try {
        out.add(info(v, dir, current.isPresent() && current.getAsLong() == v));
      } catch (RuntimeException e) {
        warnOnce("model version " + v + " is left out: its manifest " + dir.resolve(ModelFiles.MANIFEST) + " does not read (" + e.getMessage() + ")");
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private ModelVersionInfo info(long v, Path dir, boolean current) {
    Map<String, Object> m = ModelFiles.manifest(dir);
    Path file = dir.resolve(ModelFiles.EVALUATION);
    Map<String, Object> evaluation = null;
    try {
      if (Files.exists(file)) evaluation = Json.readMap(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      warnOnce("model version " + v + ": its evaluation " + file + " does not read (" + e.getMessage() + "); shown without one");
    }
    return new ModelVersionInfo(v, ModelFiles.ref(dir).id(), (String) m.get("created_at"), (Map<String, Object>) m.get("params"),
        ((Number) m.get("users")).intValue(), ((Number) m.get("movies")).intValue(), evaluation, current, ModelFiles.trainedThrough(m),
        ModelFiles.scale(m));
  }

  /** The same damage is reported once per process, however often the versions are listed (the console lists them). */
  private static void warnOnce(String warning) {
    if (WARNED.add(warning)) LOG.warn(warning);
  }

  @Override
  public Optional<VersionRef> currentRef() {
    return readCurrentRef(modelsDir());
  }

  @Override
  public OptionalLong current() {
    return currentRef().map(ref -> OptionalLong.of(ref.number())).orElse(OptionalLong.empty());
  }

  @Override
  public void makeCurrent(long version) {
    existing(version);
    pointAt(modelsDir(), version);
  }

  @Override
  public List<Long> prune(int keep) {
    OptionalLong current = current();
    List<Long> numbers = numbers(modelsDir()).stream().filter(v -> Files.isRegularFile(versionDir(v).resolve(ModelFiles.MANIFEST))).toList();
    List<Long> pruned = new ArrayList<>();
    for (int i = 0; i < numbers.size() - Math.max(0, keep); i++) {
      long v = numbers.get(i);
      if (current.isPresent() && current.getAsLong() == v) continue;
      try {
        Files.writeString(modelsDir().resolve(v + PRUNED), Instant.now().toString() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      deleteQuietly(versionDir(v));
      pruned.add(v);
    }
    return pruned;
  }

  // ---- helpers ----

  private interface Writer {
    void write(Path staging) throws IOException;
  }

  private Path existing(long version) {
    Path dir = versionDir(version);
    if (!Files.isRegularFile(dir.resolve(ModelFiles.MANIFEST))) {
      Path marker = modelsDir().resolve(version + PRUNED);
      if (Files.isRegularFile(marker)) {
        String when;
        try {
          when = Files.readString(marker).strip();
        } catch (IOException e) {
          when = "earlier";
        }
        throw new IllegalArgumentException("model version " + version + " was pruned (" + when + "); only the newest versions and the "
            + "current one are kept (model.keep-versions). Publish one of " + numbersOf(versions()) + ", or train a new one");
      }
      throw new IllegalArgumentException("no model version " + version + " in " + modelsDir());
    }
    return dir;
  }

  static List<Long> numbersOf(List<ModelVersionInfo> versions) {
    return versions.stream().map(ModelVersionInfo::version).toList();
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

  /** Numbers in use in {@code dir}: version folders and pruned markers, so a number is never given twice. */
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
    long max = 0;
    if (Files.isDirectory(dir)) {
      try (Stream<Path> list = Files.list(dir)) {
        max = list.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+(\\" + PRUNED + ")?"))
            .mapToLong(n -> Long.parseLong(n.replace(PRUNED, ""))).max().orElse(0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return max + 1;
  }

  private static void pruneDatasets(Path datasets, long keep) {
    List<Long> numbers = numbers(datasets);
    for (int i = 0; i < numbers.size() - DATASETS_KEPT; i++) {
      if (numbers.get(i) != keep) deleteQuietly(datasets.resolve(Long.toString(numbers.get(i))));
    }
  }

  /** Deletes a folder tree, best effort: a leftover staging folder is never read. */
  public static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}

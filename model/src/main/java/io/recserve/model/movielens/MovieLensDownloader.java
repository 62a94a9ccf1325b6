package io.recserve.model.movielens;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Fetches a MovieLens release by name (e.g. {@code ml-latest-small}) from GroupLens, checks the archive against
 * the MD5 checksum GroupLens publishes beside it, and unpacks it into a cache folder, once.
 */
public final class MovieLensDownloader {
  public static final Set<String> KNOWN = Set.of("ml-latest-small", "ml-latest", "ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m");
  /** Where GroupLens publishes the releases; {@code movielens-url} in the configuration can name a mirror. */
  public static final String GROUPLENS = "https://files.grouplens.org/datasets/movielens/";

  private MovieLensDownloader() {}

  /** True when {@code spec} names a release rather than a folder. */
  public static boolean isReleaseName(String spec) {
    return KNOWN.contains(spec) && !Files.isDirectory(Path.of(spec));
  }

  /** The folder holding the release's files, downloading it from GroupLens into {@code cacheDir} if needed. */
  public static Path fetch(String name, Path cacheDir) throws IOException, InterruptedException {
    return fetch(name, cacheDir, GROUPLENS);
  }

  /** As {@link #fetch(String, Path)}, from {@code baseUrl} (GroupLens or a mirror with the same layout). */
  public static Path fetch(String name, Path cacheDir, String baseUrl) throws IOException, InterruptedException {
    String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
    if (!KNOWN.contains(name)) throw new IllegalArgumentException("unknown MovieLens release '" + name + "', known: " + KNOWN);
    Path unpacked = cacheDir.resolve(name);
    Path found = findLayout(unpacked);
    if (found != null) return found;
    Files.createDirectories(cacheDir);
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
    String archive = name.equals("ml-10m") ? "ml-10m.zip" : name + ".zip";
    Path zip = cacheDir.resolve(archive + ".part");
    System.err.println("downloading " + base + archive);
    HttpResponse<Path> response = http.send(HttpRequest.newBuilder(URI.create(base + archive)).build(), HttpResponse.BodyHandlers.ofFile(zip));
    if (response.statusCode() != 200) throw new IOException("GET " + base + archive + " answered " + response.statusCode());
    HttpResponse<String> md5 = http.send(HttpRequest.newBuilder(URI.create(base + archive + ".md5")).build(), HttpResponse.BodyHandlers.ofString());
    if (md5.statusCode() != 200) throw new IOException("GET " + base + archive + ".md5 answered " + md5.statusCode());
    String expected = md5.body().strip().split("\\s+")[0].toLowerCase();
    String actual = md5Of(zip);
    if (!expected.equals(actual)) {
      Files.deleteIfExists(zip);
      throw new IOException("checksum mismatch for " + archive + ": expected " + expected + ", got " + actual);
    }
    Path staging = Files.createTempDirectory(cacheDir, name + ".unpack");
    unzip(zip, staging);
    Files.move(staging, unpacked, StandardCopyOption.ATOMIC_MOVE);
    Files.deleteIfExists(zip);
    found = findLayout(unpacked);
    if (found == null) throw new IOException(archive + " holds no MovieLens layout");
    return found;
  }

  private static Path findLayout(Path root) throws IOException {
    if (!Files.isDirectory(root)) return null;
    if (MovieLensLayout.detect(root).isPresent()) return root;
    try (var stream = Files.list(root)) {
      return stream.filter(Files::isDirectory).filter(d -> MovieLensLayout.detect(d).isPresent()).findFirst().orElse(null);
    }
  }

  private static String md5Of(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("MD5");
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) digest.update(buffer, 0, n);
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void unzip(Path zip, Path into) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip), StandardCharsets.UTF_8)) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) throw new IOException("archive entry escapes the folder: " + entry.getName());
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}

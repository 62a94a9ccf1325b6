package io.recserve.model.movielens;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The file layouts MovieLens releases come in, told apart by the files present. */
public enum MovieLensLayout {
  /** ml-latest, ml-latest-small, ml-20m, ml-25m, ml-32m: ratings.csv and movies.csv with headers, UTF-8. */
  CSV("ratings.csv", "movies.csv", StandardCharsets.UTF_8),
  /** ml-1m, ml-10m: ratings.dat and movies.dat, "::"-separated; ml-1m is ISO-8859-1 (ml-10m UTF-8 is ASCII-compatible). */
  DAT("ratings.dat", "movies.dat", StandardCharsets.ISO_8859_1),
  /** ml-100k: u.data tab-separated, u.item pipe-separated with 19 genre flags named by u.genre, ISO-8859-1. */
  HUNDRED_K("u.data", "u.item", StandardCharsets.ISO_8859_1);

  public final String ratingsFile;
  public final String moviesFile;
  public final Charset charset;

  MovieLensLayout(String ratingsFile, String moviesFile, Charset charset) {
    this.ratingsFile = ratingsFile;
    this.moviesFile = moviesFile;
    this.charset = charset;
  }

  public static Optional<MovieLensLayout> detect(Path dir) {
    for (MovieLensLayout layout : values()) {
      if (Files.isRegularFile(dir.resolve(layout.ratingsFile)) && Files.isRegularFile(dir.resolve(layout.moviesFile))) {
        return Optional.of(layout);
      }
    }
    return Optional.empty();
  }
}

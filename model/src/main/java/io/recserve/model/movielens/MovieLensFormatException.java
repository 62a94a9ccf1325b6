package io.recserve.model.movielens;

import java.nio.file.Path;

/** A line of a MovieLens file could not be read: names the file, the line number and what was wrong. */
public final class MovieLensFormatException extends RuntimeException {
  private final Path file;
  private final long line;

  public MovieLensFormatException(Path file, long line, String problem) {
    super(file.getFileName() + " line " + line + ": " + problem);
    this.file = file;
    this.line = line;
  }

  public Path file() { return file; }
  public long line() { return line; }
}

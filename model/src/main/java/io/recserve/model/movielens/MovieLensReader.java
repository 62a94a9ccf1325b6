package io.recserve.model.movielens;

import io.recserve.model.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a MovieLens folder in any of its {@link MovieLensLayout}s. The first malformed line stops the read with a
 * {@link MovieLensFormatException} naming the file, the line and the problem.
 */
public final class MovieLensReader {
  private static final String NO_GENRES = "(no genres listed)";

  private MovieLensReader() {}

  public static MovieLensData read(Path dir) {
    MovieLensLayout layout = MovieLensLayout.detect(dir).orElseThrow(() -> new IllegalArgumentException(
        dir + " holds no MovieLens data: expected ratings.csv + movies.csv, ratings.dat + movies.dat, or u.data + u.item"));
    try {
      List<Movie> movies = switch (layout) {
        case CSV -> readCsvMovies(dir.resolve(layout.moviesFile));
        case DAT -> readDatMovies(dir.resolve(layout.moviesFile));
        case HUNDRED_K -> readHundredKMovies(dir.resolve(layout.moviesFile), dir.resolve("u.genre"));
      };
      Set<Integer> movieIds = new HashSet<>();
      for (Movie m : movies) movieIds.add(m.id());
      Ratings ratings = readRatings(layout, dir.resolve(layout.ratingsFile), movieIds);
      return new MovieLensData(movies, ratings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- movies ----

  static List<Movie> readCsvMovies(Path file) throws IOException {
    List<Movie> movies = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
         CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
      requireHeader(file, parser.getHeaderNames(), List.of("movieId", "title", "genres"));
      var iterator = parser.iterator();
      while (true) {
        CSVRecord record;
        try {
          if (!iterator.hasNext()) break;
          record = iterator.next();
        } catch (UncheckedIOException e) {
          throw new MovieLensFormatException(file, parser.getCurrentLineNumber(), "unreadable CSV: " + e.getCause().getMessage());
        }
        long line = parser.getCurrentLineNumber();
        if (record.size() != 3) {
          throw new MovieLensFormatException(file, line, "expected 3 fields (movieId,title,genres), found " + record.size());
        }
        int id = parseInt(file, line, "movieId", record.get(0));
        movies.add(movie(file, line, id, record.get(1), splitGenres(record.get(2)), seen));
      }
    }
    return movies;
  }

  static List<Movie> readDatMovies(Path file) throws IOException {
    List<Movie> movies = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    try (BufferedReader reader = new BufferedReader(new StringReader(decodeText(file)))) {
      String text;
      long line = 0;
      while ((text = reader.readLine()) != null) {
        line++;
        if (text.isBlank()) continue;
        String[] fields = text.split("::", -1);
        if (fields.length != 3) {
          throw new MovieLensFormatException(file, line, "expected 3 '::'-separated fields (MovieID::Title::Genres), found " + fields.length);
        }
        movies.add(movie(file, line, parseInt(file, line, "MovieID", fields[0]), fields[1], splitGenres(fields[2]), seen));
      }
    }
    return movies;
  }

  static List<Movie> readHundredKMovies(Path file, Path genreFile) throws IOException {
    List<String> genreNames = new ArrayList<>();
    if (!Files.isRegularFile(genreFile)) throw new IllegalArgumentException(genreFile + " is missing (ml-100k names its genres there)");
    try (BufferedReader reader = new BufferedReader(new StringReader(decodeText(genreFile)))) {
      String text;
      long line = 0;
      while ((text = reader.readLine()) != null) {
        line++;
        if (text.isBlank()) continue;
        String[] fields = text.split("\\|", -1);
        if (fields.length != 2) throw new MovieLensFormatException(genreFile, line, "expected 'name|index'");
        int index = parseInt(genreFile, line, "index", fields[1]);
        if (index != genreNames.size()) throw new MovieLensFormatException(genreFile, line, "genre index " + index + " out of order");
        genreNames.add(fields[0]);
      }
    }
    List<Movie> movies = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    int expected = 5 + genreNames.size();
    try (BufferedReader reader = new BufferedReader(new StringReader(decodeText(file)))) {
      String text;
      long line = 0;
      while ((text = reader.readLine()) != null) {
        line++;
        if (text.isBlank()) continue;
        String[] fields = text.split("\\|", -1);
        if (fields.length != expected) {
          throw new MovieLensFormatException(file, line, "expected " + expected + " '|'-separated fields, found " + fields.length);
        }
        List<String> genres = new ArrayList<>();
        for (int g = 0; g < genreNames.size(); g++) {
          String flag = fields[5 + g];
          if (!flag.equals("0") && !flag.equals("1")) {
            throw new MovieLensFormatException(file, line, "genre flag '" + genreNames.get(g) + "' must be 0 or 1, found '" + flag + "'");
          }
          if (flag.equals("1") && !genreNames.get(g).equals("unknown")) genres.add(genreNames.get(g));
        }
        movies.add(movie(file, line, parseInt(file, line, "movie id", fields[0]), fields[1], genres, seen));
      }
    }
    return movies;
  }

  private static Movie movie(Path file, long line, int id, String title, List<String> genres, Set<Integer> seen) {
    if (title.isBlank()) throw new MovieLensFormatException(file, line, "empty title");
    if (!seen.add(id)) throw new MovieLensFormatException(file, line, "movie " + id + " appears twice");
    return new Movie(id, title.strip(), genres);
  }

  private static List<String> splitGenres(String field) {
    String f = field.strip();
    if (f.isEmpty() || f.equals(NO_GENRES)) return List.of();
    return Arrays.asList(f.split("\\|"));
  }

  // ---- ratings ----

  private static Ratings readRatings(MovieLensLayout layout, Path file, Set<Integer> movieIds) throws IOException {
    long size = Files.size(file);
    Ratings ratings = new Ratings((int) Math.min(Integer.MAX_VALUE - 16, size / 20));
    String separator = switch (layout) {
      case CSV -> ",";
      case DAT -> "::";
      case HUNDRED_K -> "\t";
    };
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.ISO_8859_1), 1 << 16);
         Progress progress = Progress.start("import " + file.getFileName(), "ratings", 0)) {
      String text;
      long line = 0;
      if (layout == MovieLensLayout.CSV) {
        String header = reader.readLine();
        line++;
        if (header == null) throw new MovieLensFormatException(file, 1, "empty file, expected header userId,movieId,rating,timestamp");
        requireHeader(file, Arrays.asList(header.strip().split(",")), List.of("userId", "movieId", "rating", "timestamp"));
      }
      while ((text = reader.readLine()) != null) {
        line++;
        if (text.isBlank()) continue;
        String[] fields = split(text, separator);
        if (fields.length != 4) {
          throw new MovieLensFormatException(file, line, "expected 4 fields (user, movie, rating, timestamp), found " + fields.length);
        }
        int user = parseInt(file, line, "user id", fields[0]);
        int movie = parseInt(file, line, "movie id", fields[1]);
        float rating = parseRating(file, line, fields[2]);
        long time = parseLong(file, line, "timestamp", fields[3]);
        if (!movieIds.contains(movie)) {
          throw new MovieLensFormatException(file, line, "movie " + movie + " is not in " + layout.moviesFile);
        }
        ratings.add(user, movie, rating, time);
        progress.advance(1);
      }
    }
    return ratings;
  }

  private static String[] split(String text, String separator) {
    if (separator.length() == 1) {
      char c = separator.charAt(0);
      String[] out = new String[5];
      int n = 0, start = 0;
      for (int i = 0; i <= text.length(); i++) {
        if (i == text.length() || text.charAt(i) == c) {
          if (n == out.length) return text.split(separator, -1);
          out[n++] = text.substring(start, i);
          start = i + 1;
        }
      }
      return Arrays.copyOf(out, n);
    }
    return text.split(separator, -1);
  }

  private static float parseRating(Path file, long line, String text) {
    float rating;
    try {
      rating = Float.parseFloat(text.strip());
    } catch (NumberFormatException e) {
      throw new MovieLensFormatException(file, line, "rating '" + text + "' is not a number");
    }
    if (!(rating >= 0.5f && rating <= 5.0f)) {
      throw new MovieLensFormatException(file, line, "rating " + text + " is outside 0.5..5");
    }
    return rating;
  }

  private static int parseInt(Path file, long line, String field, String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new MovieLensFormatException(file, line, field + " '" + text + "' is not an integer");
    }
  }

  private static long parseLong(Path file, long line, String field, String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new MovieLensFormatException(file, line, field + " '" + text + "' is not an integer");
    }
  }

  private static void requireHeader(Path file, List<String> actual, List<String> expected) {
    if (!actual.equals(expected)) {
      throw new MovieLensFormatException(file, 1, "header " + actual + " differs from the expected " + expected);
    }
  }

  /** UTF-8 where the bytes are valid UTF-8, otherwise ISO-8859-1 (ml-1m and ml-100k are Latin-1). */
  static String decodeText(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return new String(bytes, Charset.forName("ISO-8859-1"));
    }
  }
}

package io.recserve.model.movielens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensReaderTest {
  @TempDir Path dir;

  private void write(String name, String text) throws Exception {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  @Test
  void csvLayoutReadsQuotedTitlesAndGenres() throws Exception {
    write("movies.csv", "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
        + "2,\"American President, The (1995)\",Comedy|Drama|Romance\n3,\"Quote \"\"Me\"\" (2001)\",(no genres listed)\n"
        + "4,Amélie (2001),Comedy|Romance\n");
    write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n2,4,5.0,964982224\n");
    MovieLensData data = MovieLensReader.read(dir);
    assertThat(data.movies()).containsExactly(
        new Movie(1, "Toy Story (1995)", List.of("Adventure", "Animation")),
        new Movie(2, "American President, The (1995)", List.of("Comedy", "Drama", "Romance")),
        new Movie(3, "Quote \"Me\" (2001)", List.of()),
        new Movie(4, "Amélie (2001)", List.of("Comedy", "Romance")));
    assertThat(data.ratings().size()).isEqualTo(3);
    assertThat(data.ratings().user(1)).isEqualTo(1);
    assertThat(data.ratings().movie(1)).isEqualTo(2);
    assertThat(data.ratings().rating(1)).isEqualTo(3.5f);
    assertThat(data.ratings().time(2)).isEqualTo(964982224L);
  }

  @Test
  void datLayoutIsLatin1WithDoubleColons() throws Exception {
    Files.write(dir.resolve("movies.dat"), "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Caf\u00e9 (1999)::Drama\n".getBytes(StandardCharsets.ISO_8859_1));
    write("ratings.dat", "1::1::5::978300760\n1::2::3::978302109\n");
    MovieLensData data = MovieLensReader.read(dir);
    assertThat(data.movies()).containsExactly(new Movie(1, "Toy Story (1995)", List.of("Animation", "Children's", "Comedy")),
        new Movie(2, "Café (1999)", List.of("Drama")));
    assertThat(data.ratings().size()).isEqualTo(2);
    assertThat(data.ratings().rating(0)).isEqualTo(5f);
  }

  @Test
  void hundredKLayoutNamesGenreFlagsFromUGenre() throws Exception {
    write("u.genre", "unknown|0\nAction|1\nComedy|2\n\n");
    Files.write(dir.resolve("u.item"), ("1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n"
        + "2|GoldenEye (1995)|01-Jan-1995||http://x|0|1|1\n3|Un Cœur (1992)|01-Jan-1992||http://x|1|0|0\n")
        .replace("œ", "o").getBytes(StandardCharsets.ISO_8859_1));
    write("u.data", "196\t1\t3\t881250949\n186\t2\t3\t891717742\n");
    MovieLensData data = MovieLensReader.read(dir);
    assertThat(data.movies()).containsExactly(new Movie(1, "Toy Story (1995)", List.of("Comedy")),
        new Movie(2, "GoldenEye (1995)", List.of("Action", "Comedy")), new Movie(3, "Un Cour (1992)", List.of()));
    assertThat(data.ratings().size()).isEqualTo(2);
    assertThat(data.ratings().user(0)).isEqualTo(196);
  }

  @Test
  void malformedRatingNamesFileAndLine() throws Exception {
    write("movies.csv", "movieId,title,genres\n1,A,Drama\n");
    write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,1,four,2\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).isInstanceOf(MovieLensFormatException.class)
        .hasMessage("ratings.csv line 3: rating 'four' is not a number")
        .satisfies(e -> assertThat(((MovieLensFormatException) e).line()).isEqualTo(3));
  }

  @Test
  void wrongFieldCountUnknownMovieAndRangeAreReported() throws Exception {
    write("movies.csv", "movieId,title,genres\n1,A,Drama\n");
    write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessageContaining("ratings.csv line 2: expected 4 fields");
    write("ratings.csv", "userId,movieId,rating,timestamp\n1,7,4.0,1\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessageContaining("line 2: movie 7 is not in movies.csv");
    write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,9,1\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessageContaining("line 2: rating 9 is outside 0.5..5");
  }

  @Test
  void malformedMovieLinesAndHeadersAreReported() throws Exception {
    write("movies.csv", "movieId,title,genres\n1,A,Drama\nx,B,Drama\n");
    write("ratings.csv", "userId,movieId,rating,timestamp\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessage("movies.csv line 3: movieId 'x' is not an integer");
    write("movies.csv", "id,name,genres\n1,A,Drama\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessageContaining("movies.csv line 1: header");
    write("movies.csv", "movieId,title,genres\n1,A,Drama\n1,B,Drama\n");
    assertThatThrownBy(() -> MovieLensReader.read(dir)).hasMessage("movies.csv line 3: movie 1 appears twice");
  }

  @Test
  void folderWithoutMovieLensIsRefused() {
    assertThatThrownBy(() -> MovieLensReader.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no MovieLens data");
  }

  @Test
  void detectsLayoutFromFiles() throws Exception {
    write("u.data", "");
    write("u.item", "");
    assertThat(MovieLensLayout.detect(dir)).contains(MovieLensLayout.HUNDRED_K);
  }
}

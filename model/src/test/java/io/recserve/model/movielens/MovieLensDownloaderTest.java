package io.recserve.model.movielens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download path against a local server laid out like GroupLens: the archive and its .md5 beside it. */
class MovieLensDownloaderTest {
  @TempDir Path dir;
  private HttpServer server;
  private final AtomicInteger archiveRequests = new AtomicInteger();
  private byte[] zip;
  private String md5;

  @BeforeEach
  void serve() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      out.putNextEntry(new ZipEntry("ml-latest-small/movies.csv"));
      out.write("movieId,title,genres\n1,\"Toy Story, The (1995)\",Animation\n".getBytes(StandardCharsets.UTF_8));
      out.putNextEntry(new ZipEntry("ml-latest-small/ratings.csv"));
      out.write("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n".getBytes(StandardCharsets.UTF_8));
    }
    zip = bytes.toByteArray();
    md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(zip));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ml-latest-small.zip", exchange -> {
      archiveRequests.incrementAndGet();
      exchange.sendResponseHeaders(200, zip.length);
      exchange.getResponseBody().write(zip);
      exchange.close();
    });
    server.createContext("/ml-latest-small.zip.md5", exchange -> {
      byte[] body = (md5 + "  ml-latest-small.zip\n").getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @Test
  void downloadsChecksUnpacksAndKeepsTheRelease() throws Exception {
    Path found = MovieLensDownloader.fetch("ml-latest-small", dir, base());
    MovieLensData data = MovieLensReader.read(found);
    assertThat(data.movies().get(0).title()).isEqualTo("Toy Story, The (1995)");
    assertThat(data.ratings().size()).isEqualTo(1);
    assertThat(MovieLensDownloader.fetch("ml-latest-small", dir, base())).isEqualTo(found);
    assertThat(archiveRequests.get()).isEqualTo(1);
  }

  @Test
  void aChecksumMismatchKeepsNothing() {
    md5 = "0".repeat(32);
    assertThatThrownBy(() -> MovieLensDownloader.fetch("ml-latest-small", dir, base())).hasMessageContaining("checksum mismatch");
    assertThat(dir.resolve("ml-latest-small")).doesNotExist();
    assertThat(dir.resolve("ml-latest-small.zip.part")).doesNotExist();
  }

  @Test
  void unknownReleasesAreRefused() {
    assertThatThrownBy(() -> MovieLensDownloader.fetch("ml-99", dir, base())).hasMessageContaining("unknown MovieLens release");
    assertThat(MovieLensDownloader.isReleaseName("ml-25m")).isTrue();
    assertThat(Files.exists(dir.resolve("ml-99"))).isFalse();
  }
}

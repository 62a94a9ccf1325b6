package io.recserve.model.movielens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download path against a local server laid out like GroupLens (the archive and its .md5 beside it), and every
 * way it fails: refused, unknown host, slow to connect, 404 / 403, silent, stalled mid-body, a wrong checksum, a proxy
 * that wants credentials or is not there, and a full disk. Each failure is one line naming the URL, the cause, the fix.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MovieLensDownloaderTest {
  private static final String FIX = "Pass --movielens DIR with an unpacked MovieLens folder, or set RECSERVE_MOVIELENS_URL to a mirror.";
  @TempDir Path dir;
  private HttpServer server;
  private ExecutorService handlers;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger archiveRequests = new AtomicInteger();
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
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
    handlers = Executors.newCachedThreadPool();
    server.setExecutor(handlers);
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
    server.createContext("/forbidden/", exchange -> {
      exchange.sendResponseHeaders(403, -1);
      exchange.close();
    });
    server.createContext("/stalls/", exchange -> {
      exchange.sendResponseHeaders(200, zip.length);
      exchange.getResponseBody().write(zip, 0, 100);
      exchange.getResponseBody().flush();
      awaitRelease();
      exchange.close();
    });
    server.createContext("/silent/", exchange -> {
      awaitRelease();
      exchange.close();
    });
    server.start();
  }

  private void awaitRelease() {
    try {
      release.await(8, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.stop(0);
    handlers.shutdownNow();
    for (AutoCloseable c : closeAfter) c.close();
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** No proxy from this machine's environment, short timeouts, no progress lines. */
  private MovieLensDownloader downloader(String base) {
    return MovieLensDownloader.from(base).withProxies(EnvironmentProxies.from(Map.of()))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).withLog(new PrintStream(OutputStream.nullOutputStream()));
  }

  /** The failure's message, checked for the shape every download failure shares. */
  private String failure(MovieLensDownloader downloader, String url) {
    MovieLensDownloadException e = catchThrowableOfType(MovieLensDownloadException.class,
        () -> downloader.fetch("ml-latest-small", dir.resolve("cache")));
    assertThat(e).as("a MovieLensDownloadException").isNotNull();
    String message = e.getMessage();
    assertThat(message).startsWith("cannot download ml-latest-small from " + url + ": ").doesNotContain("\n").doesNotContain("null");
    assertThat(dir.resolve("cache/ml-latest-small")).doesNotExist();
    assertThat(dir.resolve("cache/ml-latest-small.zip.part")).doesNotExist();
    return message;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void downloadsChecksUnpacksAndKeepsTheRelease() throws Exception {
    Path found = downloader(base()).fetch("ml-latest-small", dir);
    MovieLensData data = MovieLensReader.read(found);
    assertThat(data.movies().get(0).title()).isEqualTo("Toy Story, The (1995)");
    assertThat(data.ratings().size()).isEqualTo(1);
    assertThat(downloader(base()).fetch("ml-latest-small", dir)).isEqualTo(found);
    assertThat(archiveRequests.get()).isEqualTo(1);
  }

  @Test
  void aChecksumMismatchKeepsNothing() {
    md5 = "0".repeat(32);
    String message = failure(downloader(base()), base() + "ml-latest-small.zip");
    assertThat(message).contains("the archive's MD5 is", "but " + base() + "ml-latest-small.zip.md5 says " + md5,
        "Try again; if it fails again, pass --movielens DIR");
  }

  @Test
  void unknownReleasesAreRefused() {
    assertThatThrownBy(() -> downloader(base()).fetch("ml-99", dir)).hasMessageContaining("unknown MovieLens release");
    assertThat(MovieLensDownloader.isReleaseName("ml-25m")).isTrue();
    assertThat(Files.exists(dir.resolve("ml-99"))).isFalse();
  }

  @Test
  void aRefusedConnectionSaysSoAndWhatToDo() throws Exception {
    String base = "http://127.0.0.1:" + closedPort() + "/";
    assertThat(failure(downloader(base), base + "ml-latest-small.zip"))
        .isEqualTo("cannot download ml-latest-small from " + base + "ml-latest-small.zip: connection refused (no internet?). "
            + "Pass --movielens DIR with an unpacked MovieLens folder, or set RECSERVE_MOVIELENS_URL to a mirror (behind a proxy, set HTTP_PROXY).");
  }

  @Test
  void aHostThatDoesNotResolveIsADnsFailure() {
    String base = "http://movielens.invalid/datasets/";
    assertThat(failure(downloader(base), base + "ml-latest-small.zip"))
        .contains(": the host name movielens.invalid does not resolve (no DNS: no internet?). Pass --movielens DIR");
  }

  @Test
  void aServerThatNeverAcceptsTimesOutConnecting() throws Exception {
    // A listening socket whose accept queue is full drops further connection attempts, as a firewall does.
    ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    closeAfter.add(full);
    boolean dropping = false;
    for (int i = 0; i < 10 && !dropping; i++) {
      Socket s = new Socket();
      closeAfter.add(s);
      try {
        s.connect(full.getLocalSocketAddress(), 200);
      } catch (SocketTimeoutException e) {
        dropping = true;
      }
    }
    assertThat(dropping).as("the kernel drops connections beyond the backlog").isTrue();
    String base = "http://127.0.0.1:" + full.getLocalPort() + "/";
    MovieLensDownloader downloader = downloader(base).withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(2));
    assertThat(failure(downloader, base + "ml-latest-small.zip"))
        .contains(": no connection within 0.3 s (no internet, or a firewall drops the traffic?). Pass --movielens DIR");
  }

  @Test
  void aMissingFileIsA404WithTheMirrorLayoutToCheck() {
    String base = base() + "not-a-mirror/";
    assertThat(failure(downloader(base), base + "ml-latest-small.zip"))
        .contains(": the server answered 404 Not Found. Check the release name and RECSERVE_MOVIELENS_URL (a mirror must serve "
            + "ml-latest-small.zip and ml-latest-small.zip.md5), or pass --movielens DIR");
  }

  @Test
  void aForbiddenAnswerIsA403() {
    String base = base() + "forbidden/";
    assertThat(failure(downloader(base), base + "ml-latest-small.zip"))
        .contains(": the server answered 403 Forbidden (a firewall or a proxy may block it). " + FIX);
  }

  @Test
  void aServerThatNeverAnswersTimesOut() {
    String base = base() + "silent/";
    MovieLensDownloader downloader = downloader(base).withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(400));
    assertThat(failure(downloader, base + "ml-latest-small.zip")).contains(": no answer within 0.4 s. Try again, or pass --movielens DIR");
  }

  @Test
  void aBodyThatStallsIsAbandoned() {
    String base = base() + "stalls/";
    MovieLensDownloader downloader = downloader(base).withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(400));
    long start = System.nanoTime();
    assertThat(failure(downloader, base + "ml-latest-small.zip"))
        .contains(": the download stalled: no data for 0.4 s after 100 B of " + zip.length + " B. Try again, or pass --movielens DIR");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aProxyThatWantsCredentialsIsNamedWithTheVariableToSet() throws Exception {
    FakeProxy proxy = new FakeProxy();
    String base = "https://files.movielens.invalid/datasets/";
    MovieLensDownloader downloader = downloader(base)
        .withProxies(EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://127.0.0.1:" + proxy.port())));
    assertThat(failure(downloader, base + "ml-latest-small.zip"))
        .contains(": the proxy 127.0.0.1:" + proxy.port() + " (from HTTPS_PROXY) answered 407 Proxy Authentication Required: "
            + "it wants a user and password. Put the proxy's user and password into HTTPS_PROXY (http://user:password@host:port)");
    assertThat(proxy.requestLines).contains("CONNECT files.movielens.invalid:443 HTTP/1.1");
  }

  @Test
  void aProxyThatRefusesTheCredentialsSaysSoWithoutShowingThem() throws Exception {
    FakeProxy proxy = new FakeProxy();
    String base = "http://files.movielens.invalid/datasets/";
    MovieLensDownloader downloader = downloader(base)
        .withProxies(EnvironmentProxies.from(Map.of("http_proxy", "http://ann:s3cret%21@127.0.0.1:" + proxy.port())));
    assertThat(failure(downloader, base + "ml-latest-small.zip"))
        .contains("answered 407 Proxy Authentication Required: it refused the user and password in http_proxy").doesNotContain("s3cret");
    assertThat(proxy.authorizations).contains("Basic " + Base64.getEncoder().encodeToString("ann:s3cret!".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aProxyThatIsNotThereIsNamed() throws Exception {
    int port = closedPort();
    String base = "https://files.movielens.invalid/datasets/";
    MovieLensDownloader downloader = downloader(base).withProxies(EnvironmentProxies.from(Map.of("https_proxy", "127.0.0.1:" + port)));
    assertThat(failure(downloader, base + "ml-latest-small.zip"))
        .contains(": cannot connect to the proxy 127.0.0.1:" + port + " (from https_proxy): connection refused. "
            + "Check https_proxy (or list the host in NO_PROXY), or pass --movielens DIR");
  }

  @Test
  void noProxyListsHostsReachedDirectly() throws Exception {
    MovieLensDownloader downloader = downloader(base()).withProxies(EnvironmentProxies.from(
        Map.of("HTTP_PROXY", "http://127.0.0.1:" + closedPort(), "NO_PROXY", "localhost, 127.0.0.1")));
    assertThat(downloader.fetch("ml-latest-small", dir)).isDirectory();
  }

  @Test
  void aFullDiskWhileDownloadingSaysWhereAndKeepsNothing() {
    MovieLensDownloader downloader = downloader(base()).withFileWrites(file -> new FailingAfter(Files.newOutputStream(file), 100));
    String message = failure(downloader, base() + "ml-latest-small.zip");
    assertThat(message).contains(": no space left on device writing " + dir.resolve("cache/ml-latest-small.zip.part").toAbsolutePath(),
        "free there). Free some space there, or pass --data-dir on a larger disk, or --movielens DIR with an unpacked MovieLens folder.");
  }

  @Test
  void aFullDiskWhileUnpackingKeepsNothingEither() throws IOException {
    MovieLensDownloader downloader = downloader(base()).withFileWrites(file -> file.toString().contains(".unpack")
        ? new FailingAfter(Files.newOutputStream(file), 10) : Files.newOutputStream(file));
    String message = failure(downloader, base() + "ml-latest-small.zip");
    assertThat(message).contains(": no space left on device unpacking into " + dir.resolve("cache").toAbsolutePath());
    try (Stream<Path> left = Files.list(dir.resolve("cache"))) {
      assertThat(left).isEmpty();
    }
  }

  /** Writes up to {@code limit} bytes, then fails as a full disk does. */
  private static final class FailingAfter extends OutputStream {
    private final OutputStream out;
    private long left;

    FailingAfter(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) throw new IOException("No space left on device");
      left -= len;
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** An HTTP proxy that answers every request (CONNECT or GET) with 407, and notes what it was asked. */
  private final class FakeProxy {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<String> requestLines = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    FakeProxy() throws IOException {
      closeAfter.add(socket);
      Thread.ofVirtual().start(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            requestLines.add(in.readLine());
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
              if (line.toLowerCase().startsWith("proxy-authorization:")) authorizations.add(line.substring(20).strip());
            }
            s.getOutputStream().write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }
  }
}

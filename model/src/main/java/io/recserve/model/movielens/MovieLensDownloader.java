package io.recserve.model.movielens;

import io.recserve.model.Failures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Fetches a MovieLens release by name (e.g. {@code ml-latest-small}) from GroupLens, checks the archive against
 * the MD5 checksum GroupLens publishes beside it, and unpacks it into a cache folder, once.
 *
 * <p>It goes through the proxies of the environment ({@link EnvironmentProxies}), gives up on a connection after
 * {@link #CONNECT_TIMEOUT} and on an answer or a body that stalls for {@link #READ_TIMEOUT}, and reports every
 * failure as a {@link MovieLensDownloadException} whose message is one line: the URL, the cause in words, the fix.
 */
public final class MovieLensDownloader {
  public static final Set<String> KNOWN = Set.of("ml-latest-small", "ml-latest", "ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m");
  /** Where GroupLens publishes the releases; {@code movielens-url} in the configuration can name a mirror. */
  public static final String GROUPLENS = "https://files.grouplens.org/datasets/movielens/";
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
  /** The longest wait for an answer, and the longest silence in the middle of a body. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
  private static final String WAYS_AROUND = waysAround("");
  private static final int MAX_REDIRECTS = 5;

  /** How the downloader opens the files it writes (the archive, the unpacked files): a test makes them fail. */
  @FunctionalInterface
  public interface FileWrites {
    OutputStream open(Path file) throws IOException;
  }

  private final String base;
  private final EnvironmentProxies proxies;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final FileWrites writes;
  private final PrintStream log;

  private MovieLensDownloader(String base, EnvironmentProxies proxies, Duration connectTimeout, Duration readTimeout,
      FileWrites writes, PrintStream log) {
    this.base = base.endsWith("/") ? base : base + "/";
    this.proxies = proxies;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.writes = writes;
    this.log = log;
  }

  /** Downloads from {@code baseUrl} (GroupLens or a mirror with the same layout), through the environment's proxies. */
  public static MovieLensDownloader from(String baseUrl) {
    return new MovieLensDownloader(baseUrl, null, CONNECT_TIMEOUT, READ_TIMEOUT, Files::newOutputStream, System.err);
  }

  public MovieLensDownloader withProxies(EnvironmentProxies proxies) {
    return new MovieLensDownloader(base, proxies, connectTimeout, readTimeout, writes, log);
  }

  public MovieLensDownloader withTimeouts(Duration connect, Duration read) {
    return new MovieLensDownloader(base, proxies, connect, read, writes, log);
  }

  public MovieLensDownloader withFileWrites(FileWrites writes) {
    return new MovieLensDownloader(base, proxies, connectTimeout, readTimeout, writes, log);
  }

  public MovieLensDownloader withLog(PrintStream log) {
    return new MovieLensDownloader(base, proxies, connectTimeout, readTimeout, writes, log);
  }

  /** True when {@code spec} names a release rather than a folder. */
  public static boolean isReleaseName(String spec) {
    return KNOWN.contains(spec) && !Files.isDirectory(Path.of(spec));
  }

  /**
   * The folder holding the release's files, downloading it from {@code baseUrl} (GroupLens or a mirror with the same
   * layout) into {@code cacheDir} if needed, through the environment's proxies.
   */
  public static Path fetch(String name, Path cacheDir, String baseUrl) throws IOException, InterruptedException {
    return from(baseUrl).fetch(name, cacheDir);
  }

  /** The folder holding the release's files, downloading it into {@code cacheDir} if it is not there yet. */
  public Path fetch(String name, Path cacheDir) throws IOException, InterruptedException {
    if (!KNOWN.contains(name)) throw new IllegalArgumentException("unknown MovieLens release '" + name + "', known: " + KNOWN);
    Path unpacked = cacheDir.resolve(name);
    Path found = findLayout(unpacked);
    if (found != null) return found;
    String archive = name.equals("ml-10m") ? "ml-10m.zip" : name + ".zip";
    URI url = URI.create(base + archive);
    EnvironmentProxies chosen;
    try {
      chosen = proxies != null ? proxies : EnvironmentProxies.fromEnvironment();
    } catch (IllegalArgumentException e) {
      throw new MovieLensDownloadException("cannot download " + name + " from " + url + ": " + e.getMessage()
          + ". Fix that variable or unset it, or " + lowerFirst(WAYS_AROUND), e);
    }
    Attempt attempt = new Attempt(name, url, chosen);
    Path zip = cacheDir.resolve(archive + ".part");
    Path staging = null;
    HttpClient http = attempt.client();
    try {
      try {
        Files.createDirectories(cacheDir);
      } catch (IOException e) {
        throw attempt.writeFailure(cacheDir, "creating", e);
      }
      log.println("downloading " + attempt.url + attempt.proxy.map(p -> " through the " + p).orElse(""));
      long started = System.nanoTime();
      long bytes = attempt.get(http, attempt.url, zip, null);
      ByteArrayOutputStream md5Body = new ByteArrayOutputStream();
      URI md5Url = URI.create(attempt.url + ".md5");
      attempt.get(http, md5Url, null, md5Body);
      String[] fields = md5Body.toString(StandardCharsets.US_ASCII).strip().split("\\s+");
      String expected = fields[0].toLowerCase(Locale.ROOT);
      String actual = md5Of(zip);
      if (!expected.equals(actual)) {
        throw attempt.failure("the archive's MD5 is " + actual + " but " + md5Url + " says " + (expected.isEmpty() ? "nothing" : expected)
            + " (a damaged download, or a mirror with other files)", "Try again; if it fails again, " + lowerFirst(WAYS_AROUND), null);
      }
      staging = Files.createTempDirectory(cacheDir, name + ".unpack");
      try {
        unzip(zip, staging);
      } catch (ArchiveException e) {
        throw attempt.failure("the archive is not a usable zip file (" + Failures.describe(e.getCause()) + ")", WAYS_AROUND, e);
      } catch (IOException e) {
        throw attempt.writeFailure(staging, "unpacking into", e);
      }
      Files.move(staging, unpacked, StandardCopyOption.ATOMIC_MOVE);
      staging = null;
      found = findLayout(unpacked);
      if (found == null) throw attempt.failure("the archive holds no MovieLens files (movies and ratings)", WAYS_AROUND, null);
      log.println(String.format(Locale.ROOT, "downloaded %s (%s, MD5 checked) in %.1f s into %s", attempt.url, size(bytes),
          (System.nanoTime() - started) / 1e9, found.toAbsolutePath()));
      return found;
    } finally {
      http.shutdownNow();
      Files.deleteIfExists(zip);
      if (staging != null) deleteTree(staging);
    }
  }

  /** One download of one release: what it needs to say what went wrong. */
  private final class Attempt {
    final String name;
    final URI url;
    final EnvironmentProxies proxies;
    final Optional<EnvironmentProxies.Entry> proxy;

    Attempt(String name, URI url, EnvironmentProxies proxies) {
      this.name = name;
      this.url = url;
      this.proxies = proxies;
      this.proxy = proxies.proxyFor(url);
    }

    HttpClient client() {
      if (proxy.isPresent() && proxy.get().hasCredentials() && url.getScheme().equals("https")
          && System.getProperty("jdk.http.auth.tunneling.disabledSchemes") == null) {
        // The JDK refuses Basic credentials on a CONNECT tunnel unless this is cleared; it is read once, when the
        // first HTTP client is made. The user asked for it by putting a user and password into the proxy URL.
        System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
      }
      return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).proxy(proxies).connectTimeout(connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    MovieLensDownloadException failure(String cause, String fix, Throwable e) {
      return new MovieLensDownloadException("cannot download " + name + " from " + url + ": " + cause + ". " + fix, e);
    }

    MovieLensDownloadException writeFailure(Path where, String doing, IOException e) {
      Path shown = where.toAbsolutePath();
      String free = "";
      try {
        Path existing = shown;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing != null) free = size(Files.getFileStore(existing).getUsableSpace()) + " free there";
      } catch (IOException ignored) {
        // the free space is a detail of the message
      }
      if (diskFull(e)) {
        return failure("no space left on device " + doing + " " + shown + (free.isEmpty() ? "" : " (" + free + ")"),
            "Free some space there, or pass --data-dir on a larger disk, or --movielens DIR with an unpacked MovieLens folder.", e);
      }
      return failure("cannot write " + shown + " (" + Failures.describe(e) + (free.isEmpty() ? "" : "; " + free) + ")",
          "Make that folder writable, or pass --data-dir elsewhere, or --movielens DIR with an unpacked MovieLens folder.", e);
    }

    /**
     * GETs {@code uri} (following redirects) and returns the body's length: a 200 body goes to {@code file} when it
     * is set, else to {@code memory}. Any other answer or failure becomes a {@link MovieLensDownloadException}.
     */
    long get(HttpClient http, URI uri, Path file, OutputStream memory) throws IOException, InterruptedException {
      URI current = uri;
      for (int hop = 0; ; hop++) {
        Optional<EnvironmentProxies.Entry> via = proxies.proxyFor(current);
        HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(readTimeout).header("User-Agent", "recserve");
        via.filter(EnvironmentProxies.Entry::hasCredentials).ifPresent(p -> request.header("Proxy-Authorization", "Basic "
            + Base64.getEncoder().encodeToString((p.user() + ":" + p.password()).getBytes(StandardCharsets.UTF_8))));
        AtomicReference<Body> body = new AtomicReference<>();
        Opener target = file != null ? () -> writes.open(file) : () -> memory;
        CompletableFuture<HttpResponse<Long>> pending = http.sendAsync(request.build(), info -> {
          Body b = new Body(info.statusCode() == 200 ? target : null, info.headers().firstValueAsLong("content-length").orElse(-1));
          body.set(b);
          return b;
        });
        HttpResponse<Long> response;
        try {
          response = await(pending, body);
        } catch (ExecutionException e) {
          throw explain(current, via, file, e.getCause());
        }
        int status = response.statusCode();
        Optional<String> location = response.headers().firstValue("location");
        if (status / 100 == 3 && location.isPresent() && hop < MAX_REDIRECTS) {
          current = current.resolve(location.get());
          continue;
        }
        if (status != 200) throw answered(current, via, status);
        return response.body();
      }
    }

    /** Waits for the whole answer, giving up on a body that has not moved for the read timeout. */
    private HttpResponse<Long> await(CompletableFuture<HttpResponse<Long>> pending, AtomicReference<Body> body)
        throws ExecutionException, InterruptedException {
      long poll = Math.max(10, Math.min(250, readTimeout.toMillis() / 4));
      try {
        while (true) {
          try {
            return pending.get(poll, TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            Body b = body.get();
            if (b != null && b.idle().compareTo(readTimeout) > 0) b.abort(new Stalled(b));
          }
        }
      } catch (InterruptedException e) {
        pending.cancel(true);
        Body b = body.get();
        if (b != null) b.abort(e);
        throw e;
      }
    }

    private MovieLensDownloadException answered(URI uri, Optional<EnvironmentProxies.Entry> via, int status) {
      String where = uri.equals(url) ? "" : " for " + uri;
      if (status == 407 && via.isPresent()) {
        EnvironmentProxies.Entry p = via.get();
        return failure("the " + p + " answered 407 Proxy Authentication Required" + where
                + (p.hasCredentials() ? ": it refused the user and password in " + p.variable() : ": it wants a user and password"),
            "Put the proxy's user and password into " + p.variable() + " (http://user:password@host:port), or pass --movielens DIR "
                + "with an unpacked MovieLens folder.", null);
      }
      String who = via.map(p -> "the server (through the " + p + ")").orElse("the server");
      String cause = who + " answered " + status + reason(status) + where;
      if (status == 404 || status == 410) {
        return failure(cause, "Check the release name and RECSERVE_MOVIELENS_URL (a mirror must serve " + name + ".zip and "
            + name + ".zip.md5), or pass --movielens DIR with an unpacked MovieLens folder.", null);
      }
      if (status == 403 || status == 401) return failure(cause + " (a firewall or a proxy may block it)", WAYS_AROUND, null);
      if (via.isPresent() && (status == 502 || status == 503 || status == 504)) {
        return failure(cause + " (the proxy could not reach it)", WAYS_AROUND, null);
      }
      return failure(cause, "Try again later, or " + lowerFirst(WAYS_AROUND), null);
    }

    private MovieLensDownloadException explain(URI uri, Optional<EnvironmentProxies.Entry> via, Path file, Throwable e) {
      String direct = waysAround(" (behind a proxy, set " + (uri.getScheme().equals("https") ? "HTTPS_PROXY" : "HTTP_PROXY") + ")");
      if (e instanceof Stalled s) {
        return failure("the download stalled: no data for " + seconds(readTimeout) + " after " + size(s.bytes)
            + (s.expected >= 0 ? " of " + size(s.expected) : ""), "Try again, or " + lowerFirst(WAYS_AROUND), e);
      }
      if (e instanceof WriteFailed w) return writeFailure(file, "writing", w.failure);
      if (e instanceof HttpConnectTimeoutException) {
        return failure(via.map(p -> "no connection to the " + p + " within " + seconds(connectTimeout))
                .orElse("no connection within " + seconds(connectTimeout) + " (no internet, or a firewall drops the traffic?)"),
            via.isPresent() ? "Check " + via.get().variable() + ", or " + lowerFirst(WAYS_AROUND) : direct, e);
      }
      if (e instanceof HttpTimeoutException) {
        return failure("no answer within " + seconds(readTimeout) + via.map(p -> " through the " + p).orElse(""),
            "Try again, or " + lowerFirst(WAYS_AROUND), e);
      }
      if (has(e, UnresolvedAddressException.class) || has(e, UnknownHostException.class)) {
        if (via.isPresent()) {
          return failure("the " + via.get() + " has a host name that does not resolve", "Check " + via.get().variable()
              + ", or " + lowerFirst(WAYS_AROUND), e);
        }
        return failure("the host name " + uri.getHost() + " does not resolve (no DNS: no internet?)", direct, e);
      }
      if (has(e, ConnectException.class)) {
        InetSocketAddress target = via.map(EnvironmentProxies.Entry::address)
            .orElse(InetSocketAddress.createUnresolved(uri.getHost(), port(uri)));
        String why = probe(target);
        if (via.isPresent()) {
          return failure("cannot connect to the " + via.get() + ": " + why, "Check " + via.get().variable()
              + " (or list the host in NO_PROXY), or " + lowerFirst(WAYS_AROUND), e);
        }
        return failure(why + " (no internet?)", direct, e);
      }
      return failure(Failures.describe(e) + via.map(p -> " (through the " + p + ")").orElse(""),
          "Try again, or " + lowerFirst(WAYS_AROUND), e);
    }

    /** The JDK's HTTP client says only "ConnectException"; one plain connect says why ("connection refused", ...). */
    private String probe(InetSocketAddress address) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address.getHostString(), address.getPort()),
            (int) Math.min(connectTimeout.toMillis(), 5000));
        return "the connection failed (it works now: try again)";
      } catch (UnknownHostException e) {
        return "the host name " + address.getHostString() + " does not resolve";
      } catch (NoRouteToHostException e) {
        return "no route to host";
      } catch (SocketTimeoutException e) {
        return "no connection within " + seconds(Duration.ofMillis(Math.min(connectTimeout.toMillis(), 5000)));
      } catch (ConnectException e) {
        return e.getMessage() == null ? "connection refused" : lowerFirst(e.getMessage().replaceFirst(" \\(.*\\)$", ""));
      } catch (IOException e) {
        return Failures.describe(e);
      }
    }
  }

  /** Where a 200 body goes; opened only once the answer is a 200. */
  @FunctionalInterface
  private interface Opener {
    OutputStream open() throws IOException;
  }

  /** A body that stalled: no bytes for the read timeout. */
  private static final class Stalled extends IOException {
    final long bytes;
    final long expected;

    Stalled(Body body) {
      super("stalled");
      this.bytes = body.bytes;
      this.expected = body.expected;
    }
  }

  /** Writing the body failed (the disk, not the network). */
  private static final class WriteFailed extends IOException {
    final IOException failure;

    WriteFailed(IOException failure) {
      super(failure);
      this.failure = failure;
    }
  }

  /** The answer's body: written to its target (200) or dropped, with the time of the last bytes for the watchdog. */
  private static final class Body implements HttpResponse.BodySubscriber<Long> {
    private final Opener target;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    final long expected;
    private volatile Flow.Subscription subscription;
    private volatile long lastData = System.nanoTime();
    private volatile long bytes;
    private OutputStream out;

    Body(Opener target, long expected) {
      this.target = target;
      this.expected = expected;
    }

    Duration idle() {
      return Duration.ofNanos(System.nanoTime() - lastData);
    }

    /** Fails the body with {@code why} (first, so that the client's own complaint about the cancel comes second). */
    void abort(Throwable why) {
      done.completeExceptionally(why);
      Flow.Subscription s = subscription;
      if (s != null) s.cancel();
      closeQuietly();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      lastData = System.nanoTime();
      if (target != null) {
        try {
          out = target.open();
        } catch (IOException e) {
          abort(new WriteFailed(e));
          return;
        }
      }
      subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (done.isDone()) return;
      lastData = System.nanoTime();
      try {
        for (ByteBuffer buffer : buffers) {
          int n = buffer.remaining();
          if (out != null) {
            if (buffer.hasArray()) {
              out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), n);
            } else {
              byte[] copy = new byte[n];
              buffer.get(copy);
              out.write(copy);
            }
          }
          bytes += n;
        }
      } catch (IOException e) {
        abort(new WriteFailed(e));
        return;
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable failure) {
      closeQuietly();
      done.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      try {
        if (out != null) out.close();
        done.complete(bytes);
      } catch (IOException e) {
        done.completeExceptionally(new WriteFailed(e));
      }
    }

    @Override
    public CompletableFuture<Long> getBody() {
      return done;
    }

    private void closeQuietly() {
      try {
        if (out != null) out.close();
      } catch (IOException ignored) {
        // the failure that made us close is the one reported
      }
    }
  }

  /** The zip itself is broken (as opposed to the disk failing while unpacking it). */
  private static final class ArchiveException extends IOException {
    ArchiveException(IOException cause) {
      super(cause);
    }
  }

  private static boolean diskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("no space left") || m.contains("disk quota exceeded") || m.contains("not enough space")) return true;
      if (t.getCause() == t) break;
    }
    return false;
  }

  private static boolean has(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) return true;
      if (t.getCause() == t) break;
    }
    return false;
  }

  private static String waysAround(String note) {
    return "Pass --movielens DIR with an unpacked MovieLens folder, or set RECSERVE_MOVIELENS_URL to a mirror" + note + ".";
  }

  private static int port(URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> " Bad Request";
      case 401 -> " Unauthorized";
      case 403 -> " Forbidden";
      case 404 -> " Not Found";
      case 407 -> " Proxy Authentication Required";
      case 410 -> " Gone";
      case 429 -> " Too Many Requests";
      case 500 -> " Internal Server Error";
      case 502 -> " Bad Gateway";
      case 503 -> " Service Unavailable";
      case 504 -> " Gateway Timeout";
      default -> "";
    };
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String size(long bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
    if (bytes < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    return String.format(Locale.ROOT, "%.1f GB", bytes / (1024.0 * 1024 * 1024));
  }

  private static String lowerFirst(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
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

  /** Unpacks through {@link #writes}; a broken archive is an {@link ArchiveException}, a failing disk any other IOException. */
  private void unzip(Path zip, Path into) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip), StandardCharsets.UTF_8)) {
      while (true) {
        ZipEntry entry;
        try {
          entry = in.getNextEntry();
        } catch (IOException e) {
          throw new ArchiveException(e);
        }
        if (entry == null) break;
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) throw new ArchiveException(new IOException("archive entry escapes the folder: " + entry.getName()));
        if (entry.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        try (OutputStream out = writes.open(target)) {
          byte[] buffer = new byte[1 << 16];
          while (true) {
            int n;
            try {
              n = in.read(buffer);
            } catch (IOException e) {
              throw new ArchiveException(e);
            }
            if (n < 0) break;
            out.write(buffer, 0, n);
          }
        }
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover staging folder is harmless: the next attempt makes a new one
    }
  }
}

package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The jar's command line as a user meets it: every command answers --help, --version names the commit, and a
 * command that fails (a download without internet, a bad folder, a bug) prints one line that says what happened and
 * never "null", with exit code 1.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CommandLineTest {
  @TempDir Path dir;
  private Path config;
  private String mirror;

  /** What one run printed, on any stream, and its exit code. */
  record Run(int code, String out, String err) {
    List<String> lines() {
      List<String> lines = new ArrayList<>(out.lines().toList());
      lines.addAll(err.lines().toList());
      return lines;
    }
  }

  /** The configuration of the repository, with the MovieLens mirror at a port where nothing listens. */
  @BeforeEach
  void configuration() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    mirror = "http://127.0.0.1:" + closed + "/movielens/";
    config = dir.resolve("recserve.yaml");
    String yaml = Files.readString(Path.of("../conf/recserve.yaml"))
        .replaceFirst("(?m)^movielens-url:.*$", "movielens-url: " + mirror);
    Files.writeString(config, yaml);
  }

  /** Runs a command line made after System.out is redirected: picocli remembers System.out from when it was made. */
  private static Run run(Supplier<CommandLine> commandLines, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
    ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
      code = commandLines.get().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(code, out + systemOut.toString(StandardCharsets.UTF_8), err + systemErr.toString(StandardCharsets.UTF_8));
  }

  private static Run run(String... args) {
    return run(Recserve::commandLine, args);
  }

  /** A store of its own: the data folder under this test's directory, whatever RECSERVE_PG_URL says. */
  private List<String> store() {
    return List.of("--config", config.toString(), "--data-dir", dir.resolve("data").toString(), "--pg-url=");
  }

  private String[] args(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  private static void assertNoNull(Run run) {
    assertThat(run.lines()).as("what was printed").noneMatch(line -> line.contains("null"));
  }

  @Test
  void serveWithoutInternetSaysWhatFailedAndWhatToDo() {
    Run run = run(args(List.of("serve"), args(store(), "--movielens", "ml-latest-small")));
    assertThat(run.code()).isEqualTo(1);
    assertNoNull(run);
    assertThat(run.err().lines().filter(l -> l.contains("failed"))).containsExactly("recserve serve failed: cannot download ml-latest-small from "
        + mirror + "ml-latest-small.zip: connection refused (no internet?). Pass --movielens DIR with an unpacked MovieLens folder, "
        + "or set RECSERVE_MOVIELENS_URL to a mirror (behind a proxy, set HTTP_PROXY).");
  }

  @Test
  void bootstrapImportWithoutInternetToo() {
    Run run = run(args(List.of("bootstrap", "import", "--movielens", "ml-25m"), store().toArray(String[]::new)));
    assertThat(run.code()).isEqualTo(1);
    assertNoNull(run);
    assertThat(run.err()).contains("recserve bootstrap import failed: cannot download ml-25m from " + mirror + "ml-25m.zip: connection refused");
  }

  @Test
  void aFolderThatIsNotThereIsNamed() {
    Run run = run(args(List.of("bootstrap", "all", "--movielens", dir.resolve("nowhere").toString()), store().toArray(String[]::new)));
    assertThat(run.code()).isEqualTo(1);
    assertNoNull(run);
    assertThat(run.err()).contains("recserve bootstrap all failed: --movielens " + dir.resolve("nowhere") + " is neither a folder (there is none at "
        + dir.resolve("nowhere") + ") nor a MovieLens release name (ml-100k, ml-10m, ml-1m, ml-20m, ml-25m, ml-32m, ml-latest, ml-latest-small)");
  }

  @Test
  void aFailureWithoutAMessageIsStillDescribed() {
    @Command(name = "boom")
    class Boom implements Callable<Integer> {
      @Override
      public Integer call() {
        throw new IllegalStateException(new NullPointerException());
      }
    }
    Run run = run(() -> Recserve.commandLine().addSubcommand(new Boom()), "boom");
    assertThat(run.code()).isEqualTo(1);
    assertNoNull(run);
    assertThat(run.err().strip()).isEqualTo("recserve boom failed: unexpected NullPointerException (RECSERVE_DEBUG=1 prints the stack trace)");
  }

  @Test
  void everyCommandAnswersHelp() {
    List<List<String>> commands = new ArrayList<>(List.of(List.of(), List.of("serve"), List.of("bootstrap")));
    for (String step : Recserve.commandLine().getSubcommands().get("bootstrap").getSubcommands().keySet()) {
      commands.add(List.of("bootstrap", step));
    }
    assertThat(commands).hasSize(12);
    for (List<String> command : commands) {
      for (String help : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(command);
        args.add(help);
        Run run = run(args.toArray(String[]::new));
        assertThat(run.code()).as(String.join(" ", args)).isZero();
        assertThat(run.out()).as(String.join(" ", args)).contains("Usage: recserve" + (command.isEmpty() ? "" : " " + String.join(" ", command)))
            .contains("-h, --help").contains("-V, --version");
        assertNoNull(run);
      }
    }
  }

  @Test
  void bootstrapHelpListsEveryStepOnALine() {
    Run run = run("bootstrap", "--help");
    for (String step : List.of("migrate", "import", "train", "evaluate", "publish", "all", "versions", "rollback")) {
      assertThat(run.out()).containsPattern("(?m)^  " + step + " +\\S.*$");
    }
  }

  @Test
  void versionNamesTheCommit() {
    for (List<String> command : List.of(List.of("--version"), List.of("-V"), List.of("bootstrap", "train", "--version"))) {
      Run run = run(command.toArray(String[]::new));
      assertThat(run.code()).isZero();
      assertThat(run.out()).startsWith("Recserve 0.1.0").containsPattern("(?m)^commit ([0-9a-f]{7,}|unknown)");
    }
  }

  @Test
  void theModelVersionOptionIsNotTheProgramVersion() {
    Run run = run(args(List.of("bootstrap", "publish", "--version", "3"), store().toArray(String[]::new)));
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).contains("Unmatched argument");
    assertThat(run("bootstrap", "publish", "--help").out()).contains("--model-version=N");
  }
}

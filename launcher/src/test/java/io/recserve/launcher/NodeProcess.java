package io.recserve.launcher;

import io.recserve.testing.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The launcher run as its own JVM, as a user runs it: for cluster nodes and for stopping with a real SIGTERM. */
final class NodeProcess {
  /**
   * The flags every node starts with (as in ./recserve, the Dockerfile and pom.xml's recserve.jvm.args): the Vector API,
   * Hazelcast's module access, and on JDK 23+ (which JDK 21 would refuse) the ones that allow Unsafe memory access and
   * native calls without a warning.
   */
  static final List<String> JVM_FLAGS = jvmFlags(Runtime.version().feature());

  static List<String> jvmFlags(int jdk) {
    List<String> flags = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector",
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", "-XX:-DontCompileHugeMethods"));
    if (jdk >= 23) flags.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
    return List.copyOf(flags);
  }

  final Process process;
  final Path log;

  /**
   * The first of {@code count} consecutive ports free on this machine, from a random start: test clusters of other
   * checkouts running at the same time on the same machine must neither take this run's Hazelcast ports nor join it.
   */
  static int freePortRange(int count) {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + random.nextInt(9_000);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
          s.bind(new java.net.InetSocketAddress("0.0.0.0", p));
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) return base;
    }
    throw new IllegalStateException("no " + count + " free consecutive ports");
  }

  /** {@code 127.0.0.1:base,...} for {@code count} ports. */
  static String members(int base, int count) {
    List<String> members = new ArrayList<>();
    for (int p = base; p < base + count; p++) members.add("127.0.0.1:" + p);
    return String.join(",", members);
  }

  /** A cluster name of this run's own, so that no other test cluster on the machine is joined. */
  static String clusterName() {
    return "recserve-test-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  private NodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code Recserve args} with this test JVM's class path, the environment's RECSERVE_* variables replaced by
   * {@code env}, and waits until its output shows {@code readyLine}.
   */
  static NodeProcess start(Path dir, String name, List<String> args, Map<String, String> env, String readyLine) throws IOException {
    return launch(dir, name, args, env).awaitOutput(name, readyLine);
  }

  /** Starts the process without waiting (to start several at once); {@link #awaitOutput} waits for it. */
  static NodeProcess launch(Path dir, String name, List<String> args, Map<String, String> env) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(JVM_FLAGS);
    command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Recserve.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("RECSERVE_"));
    builder.environment().putAll(env);
    return new NodeProcess(builder.start(), log);
  }

  /** Waits until the output shows {@code readyLine}. */
  NodeProcess awaitOutput(String name, String readyLine) {
    Eventually.until(Duration.ofSeconds(60), name + " started", () -> {
      if (!process.isAlive()) throw new AssertionError(name + " died: " + Files.readString(log));
      return Files.readString(log).contains(readyLine);
    });
    return this;
  }

  /** SIGTERM, as a container stop or Ctrl-C sends: the node leaves the cluster and stops its verticles. */
  void stop() throws Exception {
    process.destroy();
    if (!process.waitFor(45, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}

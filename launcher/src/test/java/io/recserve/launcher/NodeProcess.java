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
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"));
    if (jdk >= 23) flags.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
    return List.copyOf(flags);
  }

  final Process process;
  final Path log;

  private NodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code Recserve args} with this test JVM's class path, the environment's RECSERVE_* variables replaced by
   * {@code env}, and waits until its output shows {@code readyLine}.
   */
  static NodeProcess start(Path dir, String name, List<String> args, Map<String, String> env, String readyLine) throws IOException {
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
    NodeProcess node = new NodeProcess(builder.start(), log);
    Eventually.until(Duration.ofSeconds(60), name + " started", () -> {
      if (!node.process.isAlive()) throw new AssertionError(name + " died: " + Files.readString(log));
      return Files.readString(log).contains(readyLine);
    });
    return node;
  }

  /** SIGTERM, as a container stop or Ctrl-C sends: the node leaves the cluster and stops its verticles. */
  void stop() throws Exception {
    process.destroy();
    if (!process.waitFor(45, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}

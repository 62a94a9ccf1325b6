package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered node started as its own JVM, with the flags every node gets (NodeProcess.JVM_FLAGS, as ./recserve
 * passes them), prints no warning a flag could remove, and a summary of what it runs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QuietStartTest {
  private static final int HAZELCAST_PORT = 27701;

  @TempDir Path dir;

  @Test
  void jdk21GetsNoFlagItWouldRefuse() {
    assertThat(NodeProcess.jvmFlags(21)).contains("--add-modules", "java.se", "java.base/jdk.internal.ref=ALL-UNNAMED")
        .doesNotContain("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED");
    assertThat(NodeProcess.jvmFlags(25)).contains("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED");
  }

  @Test
  void aClusteredStartHasNoWarningButTheIncubatorOne() throws Exception {
    NodeProcess node = NodeProcess.start(dir, "cache-node",
        List.of("serve", "--cluster", "--no-bootstrap", "--roles", "cache", "--data-dir", dir.resolve("data").toString()),
        Map.of("RECSERVE_CLUSTER_NAME", NodeProcess.clusterName(), "RECSERVE_CLUSTER_HOST", "127.0.0.1", "RECSERVE_CLUSTER_MEMBERS", "127.0.0.1:" + HAZELCAST_PORT,
            "RECSERVE_CLUSTER_HAZELCAST_PORT", Integer.toString(HAZELCAST_PORT)),
        "Recserve node running roles");
    List<String> lines;
    try {
      // The summary is printed in one piece after the line waited for; give it a moment to be flushed.
      lines = Files.readAllLines(node.log);
      for (int i = 0; i < 50 && lines.stream().noneMatch(l -> l.strip().startsWith("ports")); i++) {
        Thread.sleep(100);
        lines = Files.readAllLines(node.log);
      }
    } finally {
      node.stop();
    }
    String log = String.join("\n", lines);
    assertThat(lines).as(log).filteredOn(l -> l.contains("WARN") || l.contains("warning"))
        .allMatch(l -> l.equals("WARNING: Using incubator modules: jdk.incubator.vector"));
    assertThat(lines).as(log).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
    assertThat(log).contains("Recserve node running roles [cache]", "  roles   cache", "  store   data folder " + dir.resolve("data"),
        "  cache   Caffeine, in this process", "  ports   management 127.0.0.1:", "Hazelcast 127.0.0.1:" + HAZELCAST_PORT + ", event bus 127.0.0.1:");
  }
}

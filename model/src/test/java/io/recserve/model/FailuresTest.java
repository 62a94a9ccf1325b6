package io.recserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class FailuresTest {
  @Test
  void exceptionsWithoutMessagesAreDescribedInWords() {
    ConnectException connect = new ConnectException();
    connect.initCause(new ClosedChannelException());
    assertThat(Failures.describe(connect)).isEqualTo("cannot connect: the connection was closed");
    assertThat(Failures.describe(new NullPointerException())).isEqualTo("unexpected NullPointerException (RECSERVE_DEBUG=1 prints the stack trace)");
    assertThat(Failures.describe(new RuntimeException("null"))).doesNotContain("null");
    assertThat(Failures.describe(new NoSuchFileException("data/models/CURRENT"))).isEqualTo("data/models/CURRENT: no such file");
  }

  @Test
  void wrappersAndGeneratedMessagesAreSkipped() {
    IOException disk = new IOException("No space left on device");
    assertThat(Failures.describe(new CompletionException(new UncheckedIOException(disk)))).isEqualTo("No space left on device");
    assertThat(Failures.describe(new IllegalStateException("cannot store the model", disk))).isEqualTo("cannot store the model: No space left on device");
  }

  @Test
  void anExplainedFailureIsTakenAsItIs() {
    class Explained extends IOException implements Failures.Explained {
      Explained() {
        super("cannot download x from y: no route to host. Do z.", new ConnectException());
      }
    }
    assertThat(Failures.describe(new RuntimeException(new Explained()))).isEqualTo("cannot download x from y: no route to host. Do z.");
  }
}

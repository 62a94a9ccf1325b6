package io.recserve.model.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FileFeedbackStoreTest {
  @TempDir Path dir;

  /**
   * Found by a hostile run: forgetting a user also forgot the user's removals, so a removed training rating came
   * back. The ratings go; the removals stay, also as the file is read again (by a restart, or by the pipeline).
   */
  @Test
  void forgettingAUserKeepsTheRemovalsAlsoWhenTheFileIsReadAgain() {
    try (FileFeedbackStore store = FileFeedbackStore.open(dir)) {
      store.add(1, 10, 4f, 1_000);
      store.add(1, 20, null, 1_001); // a removal (of a training rating, say)
      store.add(1, 30, 5f, 1_002);
      store.add(2, 10, 3f, 1_003);
      assertThat(store.forget(1)).as("the ratings forgotten").isEqualTo(2);
      assertThat(store.ofUser(1, 0)).extracting(Feedback::movieId).containsExactly(20);
      assertThat(store.ofUser(2, 0)).extracting(Feedback::movieId).containsExactly(10);
    }
    try (FileFeedbackStore again = FileFeedbackStore.open(dir)) {
      assertThat(again.ofUser(1, 0)).extracting(Feedback::movieId).containsExactly(20);
      assertThat(again.ofUser(1, 0).get(0).removal()).isTrue();
    }
    assertThat(FileFeedbackStore.read(dir)).extracting(Feedback::movieId).containsExactly(20, 10);
  }
}

package io.recserve.model.store;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainedModelTest {
  /** Found by a review: nothing kept a diverged training's NaN vectors from being stored, published and served. */
  @Test
  void aVectorThatIsNotANumberFailsTheTrainingBeforeAnythingIsStored() {
    assertThatCode(() -> TrainedModel.requireFinite("user", new int[] {7, 9}, new float[] {0.1f, -2f, 3f, 0f}, 2)).doesNotThrowAnyException();
    assertThatThrownBy(() -> TrainedModel.requireFinite("user", new int[] {7, 9}, new float[] {0.1f, -2f, 3f, Float.NaN}, 2))
        .hasMessageContaining("user 9's vector holds NaN").hasMessageContaining("nothing was stored");
    assertThatThrownBy(() -> TrainedModel.requireFinite("movie", new int[] {4}, new float[] {Float.POSITIVE_INFINITY, 1f}, 2))
        .hasMessageContaining("movie 4's vector holds Infinity");
  }
}

package io.recserve.model.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recserve.model.movielens.Ratings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RatingScaleTest {
  private static Ratings of(float... values) {
    Ratings ratings = new Ratings();
    for (int i = 0; i < values.length; i++) ratings.add(i % 7, i, values[i], i);
    return ratings;
  }

  @Test
  void movieLensLatestSmallIsHalfStarsFromHalfToFive() {
    RatingScale scale = RatingScale.of(ServingFixtures.latestSmallData().ratings());
    assertThat(scale).isEqualTo(new RatingScale(0.5, 5.0, 0.5));
    assertThat(scale.describe()).isEqualTo("0.5 to 5 in steps of 0.5");
    assertThat(scale.valid(0.5)).isTrue();
    assertThat(scale.valid(3.5)).isTrue();
    assertThat(scale.valid(3.4999999)).isTrue();
    assertThat(scale.valid(5.0)).isTrue();
    assertThat(scale.valid(0)).isFalse();
    assertThat(scale.valid(3.25)).isFalse();
    assertThat(scale.valid(5.5)).isFalse();
    assertThat(scale.valid(Double.NaN)).isFalse();
    assertThat(scale.valid(Double.POSITIVE_INFINITY)).isFalse();
    // What a valid rating stands for, within the range (found by a hostile run: 0.4999999 was stored as given).
    assertThat(scale.snap(0.4999999)).isEqualTo(0.5);
    assertThat(scale.snap(4.999999)).isEqualTo(5.0);
    assertThat(scale.snap(5.0000001)).isEqualTo(5.0);
    assertThat(scale.snap(3.4999999)).isEqualTo(3.5);
    assertThat(new RatingScale(0, 1, 0).snap(1.00001)).isEqualTo(1.0);
  }

  @Test
  void wholeStarsFromOneToFive() {
    RatingScale scale = RatingScale.of(of(3, 1, 5, 4, 2, 4, 5, 1));
    assertThat(scale).isEqualTo(new RatingScale(1, 5, 1));
    assertThat(scale.describe()).isEqualTo("1 to 5 in steps of 1");
    for (int r = 1; r <= 5; r++) assertThat(scale.valid(r)).as("rating %d", r).isTrue();
    assertThat(scale.valid(2.5)).isFalse();
    assertThat(scale.valid(0)).isFalse();
    assertThat(scale.valid(6)).isFalse();
    assertThat(scale.valid(-1)).isFalse();
  }

  @Test
  void gridsOtherThanTheObviousOnes() {
    // 1..5 seen only at odd values: the grid the data shows has step 2
    assertThat(RatingScale.of(of(1, 3, 5))).isEqualTo(new RatingScale(1, 5, 2));
    // tenths, with float noise in 0.1f, 0.3f and 0.7f
    RatingScale tenths = RatingScale.of(of(0.1f, 0.3f, 0.7f, 1.0f));
    assertThat(tenths.minimum()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-7));
    assertThat(tenths.step()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(tenths.valid(0.5)).isTrue();
    assertThat(tenths.valid(0.55)).isFalse();
    // a fine grid is not mistaken for a coarse one
    assertThat(RatingScale.of(of(1, 3.0005f, 5)).step()).isCloseTo(0.0005, org.assertj.core.data.Offset.offset(1e-12));
    // one value: no grid, only that value is valid
    RatingScale single = RatingScale.of(of(1, 1, 1));
    assertThat(single).isEqualTo(new RatingScale(1, 1, 0));
    assertThat(single.valid(1)).isTrue();
    assertThat(single.valid(2)).isFalse();
    assertThat(single.describe()).isEqualTo("1 to 1");
    // values on no decimal grid: continuous
    RatingScale continuous = RatingScale.of(of((float) Math.PI, 1, (float) Math.E));
    assertThat(continuous.step()).isZero();
    assertThat(continuous.valid(2.123)).isTrue();
    assertThat(continuous.valid(0.99)).isFalse();
  }

  @Test
  void refusesWhatHasNoScale() {
    assertThatThrownBy(() -> RatingScale.of(new Ratings())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RatingScale.of(of(1, Float.NaN))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RatingScale(5, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RatingScale(1, 5, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}

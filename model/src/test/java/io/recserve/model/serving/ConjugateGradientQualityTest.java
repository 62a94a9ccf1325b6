package io.recserve.model.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.model.als.AlsModel;
import io.recserve.model.als.AlsParams;
import io.recserve.model.als.ImplicitAls;
import io.recserve.model.als.Interactions;
import io.recserve.model.eval.Evaluation;
import io.recserve.model.eval.Recommenders;
import io.recserve.model.eval.TemporalSplit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The conjugate-gradient row solver, training's default, ranks as well as the exact Cholesky solve: on ml-latest-small
 * with the project's parameters and the pipeline's temporal split, its NDCG@10 is within 2% of Cholesky's. (Here,
 * beside the ml-latest-small fixtures.)
 */
@Timeout(180)
class ConjugateGradientQualityTest {
  @Test
  void ndcgOfTheConjugateGradientSolverIsWithinTwoPercentOfCholesky() {
    TemporalSplit split = TemporalSplit.of(ServingFixtures.latestSmallData().ratings(), TemporalSplit.DEFAULT_HOLDOUT, TemporalSplit.DEFAULT_MIN_RATINGS);
    Interactions train = Interactions.of(split.train());
    AlsParams cg = ServingFixtures.PROJECT;
    assertThat(cg.solver()).as("the default solver").isEqualTo(AlsParams.Solver.CG);
    double ndcgCg = ndcg(train, split, cg);
    double ndcgExact = ndcg(train, split, ServingFixtures.exact(cg));
    assertThat(ndcgCg).as("NDCG@10 with CG (Cholesky: %.4f)", ndcgExact).isGreaterThanOrEqualTo(0.98 * ndcgExact);
  }

  private static double ndcg(Interactions train, TemporalSplit split, AlsParams params) {
    AlsModel model = ImplicitAls.train(train, params, (i, loss, s) -> {});
    return Evaluation.of(List.of(Recommenders.als(model)), split.test(), train.items(), 10).row("als").ndcg();
  }
}

package io.recserve.model.store;

import io.recserve.model.serving.RatingScale;
import java.util.Map;

/**
 * A stored model version as listed: its number and id, when it was made, how (the training parameters), its size,
 * its evaluation (null before one ran), whether it is current, the last feedback merged into its training, and the
 * rating scale of its training data (null when unknown).
 */
public record ModelVersionInfo(long version, String id, String createdAt, Map<String, Object> params, int users, int movies,
                               Map<String, Object> evaluation, boolean current, long trainedThrough, RatingScale scale) {
  public VersionRef ref() {
    return new VersionRef(version, id);
  }
}

package io.recserve.model.store;

import java.util.Map;

/**
 * A stored model version as listed: its number and id, when it was made, how (the training parameters), its size,
 * its evaluation (null before one ran), and whether it is current.
 */
public record ModelVersionInfo(long version, String id, String createdAt, Map<String, Object> params, int users, int movies,
                               Map<String, Object> evaluation, boolean current) {
  public VersionRef ref() {
    return new VersionRef(version, id);
  }
}

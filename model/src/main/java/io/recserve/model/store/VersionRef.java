package io.recserve.model.store;

import java.util.UUID;

/**
 * A model version as serving knows it: its number, which orders versions, and its id, a random UUID given when the
 * version is stored. Numbers repeat after the store is recreated (training is deterministic, so a content hash would
 * repeat too); ids do not, so indexes and cached answers are keyed by the id.
 */
public record VersionRef(long number, String id) {
  public VersionRef {
    if (number < 1) throw new IllegalArgumentException("version numbers start at 1: " + number);
    if (id == null || id.isBlank()) throw new IllegalArgumentException("version " + number + " has no id");
  }

  public static String newId() {
    return UUID.randomUUID().toString();
  }

  @Override
  public String toString() {
    return number + " (" + id + ")";
  }
}

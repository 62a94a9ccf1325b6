package io.recserve.contract;

import io.vertx.core.json.JsonObject;

/**
 * A model version on the wire: its number ({@code <prefix>_version}), which orders versions, and its id
 * ({@code <prefix>_id}), a UUID given when the version was stored. Nodes match versions by id: a store recreated
 * from scratch numbers its versions from 1 again, and the id tells the new version 1 from the old.
 */
public record ModelRef(long version, String id) {
  public ModelRef {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("model version " + version + " has no id");
  }

  /** Writes {@code <prefix>_version} and {@code <prefix>_id} into {@code json}; nothing when {@code ref} is null. */
  public static JsonObject put(JsonObject json, String prefix, ModelRef ref) {
    return ref == null ? json : json.put(prefix + "_version", ref.version).put(prefix + "_id", ref.id);
  }

  /** Reads what {@link #put} wrote; null when absent. */
  public static ModelRef get(JsonObject json, String prefix) {
    Object id = json.getValue(prefix + "_id");
    Object version = json.getValue(prefix + "_version");
    return of(version instanceof Number n ? n.longValue() : 0, id instanceof String s ? s : null);
  }

  /** The reference from its two fields as read; null when the id is absent or blank, as {@link #get} reads it. */
  static ModelRef of(long version, String id) {
    return id == null || id.isBlank() ? null : new ModelRef(version, id);
  }

  public boolean sameAs(ModelRef other) {
    return other != null && id.equals(other.id);
  }

  @Override
  public String toString() {
    return "v" + version + " (" + id.substring(0, Math.min(8, id.length())) + ")";
  }
}

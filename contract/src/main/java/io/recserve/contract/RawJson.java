package io.recserve.contract;

/**
 * A message body still as the JSON text it came in: the bodies of a {@link RelayReply} read from another node. The
 * record the body is ({@link UserSearchReply}, {@link UserEmbeddingReply}, {@link NeighbourSearchReply}) reads it in
 * its {@code of}, the search replies without building a JSON tree.
 */
public record RawJson(String text) {}

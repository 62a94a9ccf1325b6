package io.recserve.contract;

/**
 * Every event-bus address Recserve uses. Messages on them are JSON objects whose shapes are the records in this
 * package; see docs/event-bus.md for the same contract written for consumers in other languages.
 */
public final class Addresses {
  private Addresses() {}

  /** Request/reply: {@link UserEmbeddingRequest} to {@link UserEmbeddingReply}. */
  public static final String EMBEDDING_USER = "recserve.embedding.user";
  /** Request/reply: {@link NeighbourSearchRequest} to {@link NeighbourSearchReply}. */
  public static final String ANN_SEARCH = "recserve.ann.search";
  /** Request/reply: {@link CacheGet} to {@link CacheEntry} (absent value on a miss). */
  public static final String CACHE_GET = "recserve.cache.get";
  /** Send, no reply expected: {@link CacheEntry}. */
  public static final String CACHE_PUT = "recserve.cache.put";
  /** Publish: {@link RecommendationEvent}, one per answered /recommend. Readable through the TCP bridge. */
  public static final String ANALYTICS_EVENTS = "recserve.analytics.events";
  /** Request/reply: {@link SummaryRequest} to a summary object (see docs/event-bus.md). */
  public static final String ANALYTICS_SUMMARY = "recserve.analytics.summary";
  /** Publish: {@link ModelActivated}, sent by a verticle when it starts serving a model version. */
  public static final String MODEL_ACTIVATED = "recserve.model.activated";
  /** Publish: {@link ModelPublished}, a hint that a new version is current in the store; verticles reload. */
  public static final String MODEL_PUBLISHED = "recserve.model.published";

  /** Request/reply: {} to {@link ComponentStatus}; one address per role, e.g. {@code recserve.status.ann}. */
  public static String status(String role) {
    return "recserve.status." + role;
  }

  /** Message header carrying the HTTP request id, for tracing across verticles. */
  public static final String REQUEST_ID_HEADER = "recserve-request-id";
}

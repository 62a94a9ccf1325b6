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
  /**
   * Request/reply, each embedding node's own, for a node that also runs the ANN role: {@link UserSearchRequest} to
   * {@link UserSearchReply}, the user's vector and the search in one message.
   */
  public static final String EMBEDDING_SEARCH = "recserve.embedding.search";
  /**
   * Request/reply, each node's own ({@link #onNode}): {@link RelayBatch} to {@link RelayReply}, several requests for
   * one of the {@link #RELAYED} addresses of that node in one message.
   */
  public static final String RELAY = "recserve.node.relay";
  /** The addresses a node relays: the reads of a recommendation's path. */
  public static final java.util.Set<String> RELAYED = java.util.Set.of(EMBEDDING_SEARCH, EMBEDDING_USER, ANN_SEARCH);
  /** Request/reply: {@link FoldInRequest} to {@link UserEmbeddingReply}; also on each node's own copy. */
  public static final String EMBEDDING_FOLDIN = "recserve.embedding.foldin";
  /** Request/reply: {@link PopularRequest} to {@link NeighbourSearchReply}; also on each node's own copy. */
  public static final String EMBEDDING_POPULAR = "recserve.embedding.popular";
  /** Request/reply: {@link ExplainRequest} to {@code {"because": [...]}}; also on each node's own copy. */
  public static final String EMBEDDING_EXPLAIN = "recserve.embedding.explain";
  /** Request/reply, each embedding node's own: {@link UserChanged} to {@code {}} once the user is folded in again. */
  public static final String EMBEDDING_REFRESH = "recserve.embedding.refresh";
  /** Request/reply: {@link SimilarRequest} to {@link NeighbourSearchReply}; also on each node's own copy. */
  public static final String ANN_SIMILAR = "recserve.ann.similar";
  /** Request/reply: {@link FeedbackRequest} to the stored feedback (an embedding node stores and applies it). */
  public static final String FEEDBACK_RECORD = "recserve.feedback.record";
  /** Request/reply: {@code {"user_id": 42}} to {@code {"forgotten": n}}: the ratings the user sent deleted (removals of ratings stay). */
  public static final String FEEDBACK_FORGET = "recserve.feedback.forget";
  /** Request/reply, each HTTP node's own: {@link UserChanged} to {@code {}} once its near-cache forgot the user. */
  public static final String HTTP_INVALIDATE = "recserve.http.invalidate";
  /** Request/reply: {@link UserChanged} to {@code {}} once the cache dropped the user's answers. */
  public static final String CACHE_INVALIDATE = "recserve.cache.invalidate";
  /** Request/reply: {@link CacheGet} to {@link CacheEntry} (absent value on a miss). */
  public static final String CACHE_GET = "recserve.cache.get";
  /** Send, no reply expected: {@link CacheEntry}. */
  public static final String CACHE_PUT = "recserve.cache.put";
  /**
   * Request/reply: an {@link EventBatch} from an HTTP node to an analytics node, answered {@code {"stored": n}} once
   * every event is committed (to the store, or to the analytics node's spill file while the store is down). An
   * unanswered batch is sent again, to whichever analytics node is there; storing is idempotent on request_id.
   */
  public static final String ANALYTICS_INGEST = "recserve.analytics.ingest";
  /**
   * Publish: the {@link EventBatch} of events just stored, for consumers of the event stream (the TCP bridge exposes
   * only this address). Reading it takes nothing away from the store.
   */
  public static final String ANALYTICS_STREAM = "recserve.analytics.stream";
  /** Request/reply: {@link SummaryRequest} to a summary object (see docs/event-bus.md). */
  public static final String ANALYTICS_SUMMARY = "recserve.analytics.summary";
  /**
   * Request/reply: {@link TimeSeriesRequest} to per-minute buckets over the last minutes, computed by the store (see
   * docs/event-bus.md), for the console's live traffic.
   */
  public static final String ANALYTICS_TIMESERIES = "recserve.analytics.timeseries";
  /**
   * Request/reply, served by every embedding node once a version is loaded: {@link RatedRequest} to the user's
   * top-rated movies in the current version ({@code {"user_id", "model_version", "known", "count", "rated": [...]}}).
   */
  public static final String EMBEDDING_RATED = "recserve.embedding.rated";
  /**
   * Request/reply, served by every embedding node once a version is loaded: {@code {"movie_ids": [1, 2]}} to
   * {@code {"model_version": 3, "movies": [{"movie_id", "title", "genres"}]}}, the movies the current version knows.
   */
  public static final String EMBEDDING_MOVIES = "recserve.embedding.movies";
  /**
   * Request/reply, served by every HTTP node: the public API for the management listener's console,
   * {@code {"route": "recommend", "body": "<the POST /recommend body as text>"}} or
   * {@code {"route": "similar", "movie_id": 1, "cutoff": 10}}, answered {@code {"status": 200, "body": {...}}}: the
   * status and JSON body the public route gives (errors included), through the same request path and analytics.
   */
  public static final String HTTP_API = "recserve.http.api";
  /** Publish: {@link NodeHeartbeat}, what a node holds, every poll interval and at once when it changes. */
  public static final String HEARTBEAT = "recserve.node.heartbeat";
  /** Publish: {@link ModelPublished}, a hint that a new version is current in the store; verticles reload. */
  public static final String MODEL_PUBLISHED = "recserve.model.published";
  /**
   * Request/reply, local to each HTTP node (never crosses the cluster): {@code {}} to the node's detailed readiness,
   * the health checks' JSON ({@code {"status": "UP", "checks": [...]}}), for its management listener.
   */
  public static final String HTTP_READINESS = "recserve.http.readiness";
  /**
   * Request/reply, served by every node with the store (embedding or ANN role): {@code {"action": "list"}},
   * {@code {"action": "publish", "version": 4, "by": "key name"}} or {@code {"action": "rollback", "by": ...}} to the
   * stored versions (see docs/event-bus.md); the management listener of any node reaches the store through it.
   */
  public static final String ADMIN_MODELS = "recserve.admin.models";

  /**
   * A node's own copy of {@code address} ({@code recserve.ann.search.<node>}): the node registers it beside the shared
   * one and names itself in its heartbeat, so a sender can pick a live node that holds the version it needs, and try
   * another one when it does not answer.
   */
  public static String onNode(String address, String node) {
    return address + "." + node;
  }

  /** Request/reply: {} to {@link ComponentStatus}; one address per role, e.g. {@code recserve.status.ann}. */
  public static String status(String role) {
    return "recserve.status." + role;
  }
}

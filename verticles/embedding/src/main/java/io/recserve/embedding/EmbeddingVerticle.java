package io.recserve.embedding;

import io.recserve.contract.Addresses;
import io.recserve.contract.Codecs;
import io.recserve.contract.ComponentStatus;
import io.recserve.contract.ExplainRequest;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.FeedbackRequest;
import io.recserve.contract.FoldInRequest;
import io.recserve.contract.ModelRef;
import io.recserve.contract.NeighbourSearchReply;
import io.recserve.contract.NeighbourSearchRequest;
import io.recserve.contract.NodeIdentity;
import io.recserve.contract.PopularRequest;
import io.recserve.contract.RatedRequest;
import io.recserve.contract.UserChanged;
import io.recserve.contract.UserEmbeddingReply;
import io.recserve.contract.UserEmbeddingRequest;
import io.recserve.contract.UserSearchReply;
import io.recserve.contract.UserSearchRequest;
import io.recserve.model.feedback.FeedbackStore;
import io.recserve.model.serving.Explanations;
import io.recserve.model.serving.FoldIn;
import io.recserve.model.serving.Popularity;
import io.recserve.model.serving.RatingScale;
import io.recserve.serving.CurrentModelVersion;
import io.recserve.serving.Heartbeats;
import io.recserve.serving.MovieCatalogue;
import io.recserve.serving.PgSettings;
import io.recserve.serving.ServedModel;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The user side of the model. Answers {@link Addresses#EMBEDDING_USER} (and its other addresses, each also on this
 * node's own copy): a user's vector and rated movies in the version asked for, from memory; fold-ins of anonymous
 * users, the most rated movies, and explanations. It also owns live feedback: it checks, stores and applies it, and
 * folds a changed user in again when another node stored feedback. It takes requests only once its first version is
 * loaded, and says what it holds on {@link Addresses#HEARTBEAT}.
 */
public final class EmbeddingVerticle extends VerticleBase {
  public static final String ROLE = "embedding";
  private final List<MessageConsumer<Object>> requests = new ArrayList<>();
  private final ServedModel.Source<UserModel> injected;
  private final FeedbackStore injectedFeedback;
  private UserModelSource source;
  private FeedbackStore feedback;
  private PgSubscriber publications;
  private ServedModel<UserModel> model;
  /** For the search this node's ANN verticle makes for {@link Addresses#EMBEDDING_SEARCH}: {@code eventbus.timeout-ms}. */
  private DeliveryOptions searchOptions;

  public EmbeddingVerticle() {
    this(null, null);
  }

  /** With a given source of versions and feedback store (tests); otherwise both follow the configuration. */
  EmbeddingVerticle(ServedModel.Source<UserModel> source, FeedbackStore feedback) {
    this.injected = source;
    this.injectedFeedback = feedback;
  }

  @Override
  public Future<?> start() {
    Codecs.register(vertx);
    if (injected == null) source = new UserModelSource(vertx, config());
    feedback = injected == null ? source.feedback() : injectedFeedback;
    long poll = config().getJsonObject("model", new JsonObject()).getLong("poll-interval-ms", 2000L);
    searchOptions = new DeliveryOptions().setSendTimeout(config().getJsonObject("eventbus", new JsonObject()).getLong("timeout-ms", 2000L));
    model = new ServedModel<>(vertx, ROLE, injected == null ? source : injected, poll, this::heartbeat, null);
    MessageConsumer<JsonObject> status = vertx.eventBus().consumer(Addresses.status(ROLE), this::status);
    MessageConsumer<JsonObject> published = vertx.eventBus().consumer(Addresses.MODEL_PUBLISHED, m -> model.check());
    if (PgSettings.configured(config())) publications = CurrentModelVersion.listen(vertx, config(), model::check);
    return Future.join(status.completion(), published.completion()).compose(v -> model.start());
  }

  /** Registers for requests once a version is loaded, then tells the HTTP nodes what this node holds. */
  private void heartbeat() {
    if (requests.isEmpty() && model.current() != null) {
      register(Addresses.EMBEDDING_USER, this::user, true);
      register(Addresses.EMBEDDING_SEARCH, this::search, false);
      register(Addresses.EMBEDDING_FOLDIN, this::foldIn, true);
      register(Addresses.EMBEDDING_POPULAR, this::popular, true);
      register(Addresses.EMBEDDING_EXPLAIN, this::explain, true);
      register(Addresses.EMBEDDING_REFRESH, this::refresh, false);
      register(Addresses.EMBEDDING_RATED, this::rated, true);
      register(Addresses.EMBEDDING_MOVIES, this::movies, true);
      register(Addresses.FEEDBACK_RECORD, this::record, true);
      register(Addresses.FEEDBACK_FORGET, this::forget, true);
    }
    Heartbeats.publish(vertx, ROLE, !requests.isEmpty(), model);
  }

  /** The shared address (when {@code shared}) and this node's own copy of it. */
  private void register(String address, Handler<Message<Object>> handler, boolean shared) {
    if (shared) requests.add(vertx.eventBus().consumer(address, handler));
    requests.add(vertx.eventBus().consumer(Addresses.onNode(address, NodeIdentity.id()), handler));
  }

  @Override
  public Future<?> stop() {
    if (publications != null) publications.close();
    requests.forEach(MessageConsumer::unregister);
    if (model != null) model.stop();
    if (source != null) source.close();
    return Future.succeededFuture();
  }

  /** The version asked for (null: the current one), or null after failing the message with MODEL_NOT_LOADED. */
  private ServedModel.Loaded<UserModel> version(Message<Object> message, ModelRef ref) {
    ServedModel.Loaded<UserModel> loaded = model.version(ref == null ? null : ref.id());
    if (loaded == null) message.fail(FailureCodes.MODEL_NOT_LOADED, "model version " + ref + " is not held here");
    return loaded;
  }

  private static void invalid(Message<Object> message, String field, String text) {
    message.fail(FailureCodes.INVALID, new JsonObject().put("field", field).put("message", text).encode());
  }

  /** The message's body read by {@code parser}; null, with the message failed as BAD_MESSAGE, when it cannot be read. */
  private static <T> T parse(Message<Object> message, java.util.function.Function<Object, T> parser) {
    try {
      return parser.apply(message.body());
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return null;
    }
  }

  private void user(Message<Object> message) {
    UserEmbeddingRequest request = parse(message, UserEmbeddingRequest::of);
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, request.model());
    if (loaded == null) return;
    UserModel.UserState user = loaded.value().user(request.userId());
    ModelRef ref = Heartbeats.wire(loaded.ref());
    message.reply(user == null ? UserEmbeddingReply.unknown(request.userId(), ref)
        : new UserEmbeddingReply(request.userId(), ref, true, user.vector(), user.rated(), user.generation()));
  }

  /**
   * A known user's recommendations in one message: the vector and rated movies, then the search by the ANN verticle
   * of this JVM (this node's own search address), its reply passed on as it came. The HTTP node sends this only to a
   * node that announces both roles; a failure of the search is passed on with its code.
   */
  private void search(Message<Object> message) {
    UserSearchRequest request = parse(message, UserSearchRequest::of);
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, request.model());
    if (loaded == null) return;
    UserModel.UserState user = loaded.value().user(request.userId());
    ModelRef ref = Heartbeats.wire(loaded.ref());
    if (user == null) {
      message.reply(UserSearchReply.unknown(request.userId(), ref));
      return;
    }
    NeighbourSearchRequest search = new NeighbourSearchRequest(user.vector(), request.k(), user.rated(), ref, request.filters());
    vertx.eventBus().request(Addresses.onNode(Addresses.ANN_SEARCH, NodeIdentity.id()), search, searchOptions).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(new UserSearchReply(request.userId(), ref, true, user.generation(), NeighbourSearchReply.of(ar.result().body())));
      } else if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        message.fail(r.failureCode(), r.getMessage());
      } else if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
        message.fail(FailureCodes.MODEL_NOT_LOADED, "no ANN verticle serves on this node");
      } else {
        message.fail(FailureCodes.OVERLOADED, "this node's ANN verticle did not answer in time");
      }
    });
  }

  /** An anonymous user: the vector from the ratings given, by one exact ALS half-step. */
  private void foldIn(Message<Object> message) {
    FoldInRequest request = parse(message, body -> {
      FoldInRequest r = FoldInRequest.of(body);
      if (r.movieIds().length != r.ratings().length) throw new IllegalArgumentException("one rating per movie");
      return r;
    });
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, request.model());
    if (loaded == null) return;
    UserModel m = loaded.value();
    for (int i = 0; i < request.movieIds().length; i++) {
      if (m.catalogue().position(request.movieIds()[i]) < 0) {
        invalid(message, "ratings[" + i + "].movie_id", "the model does not know movie " + request.movieIds()[i]);
        return;
      }
      if (m.scale() != null && !m.scale().valid(request.ratings()[i])) {
        invalid(message, "ratings[" + i + "].rating", "rating " + request.ratings()[i] + " is not on the scale: " + m.scale().describe());
        return;
      }
    }
    FoldIn.Result result;
    try {
      result = m.foldIn().foldIn(request.movieIds(), request.ratings());
    } catch (IllegalArgumentException e) {
      invalid(message, "ratings", e.getMessage());
      return;
    }
    message.reply(new UserEmbeddingReply(0, Heartbeats.wire(loaded.ref()), true, result.vector(), result.excluded(), 0));
  }

  /** The most rated movies, leaving out the given ones and what the filters refuse. */
  private void popular(Message<Object> message) {
    PopularRequest request = parse(message, PopularRequest::of);
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, request.model());
    if (loaded == null) return;
    UserModel m = loaded.value();
    MovieCatalogue catalogue = m.catalogue();
    int[] exclude = request.exclude();
    BitSet accepted = catalogue.accepted(MovieCatalogue.Filter.of(request.filters()));
    if (accepted != null) { // leave out every movie the filters refuse, too
      List<Integer> refused = new ArrayList<>();
      for (int p = accepted.nextClearBit(0); p < catalogue.size(); p = accepted.nextClearBit(p + 1)) refused.add(catalogue.id(p));
      int[] all = new int[exclude.length + refused.size()];
      System.arraycopy(exclude, 0, all, 0, exclude.length);
      for (int i = 0; i < refused.size(); i++) all[exclude.length + i] = refused.get(i);
      exclude = all;
    }
    List<Popularity.Scored> top = m.popularity().top(request.k(), UserModel.sorted(exclude));
    int[] positions = new int[top.size()];
    int[] ids = new int[top.size()];
    double[] scores = new double[top.size()];
    float[] floats = new float[top.size()];
    for (int i = 0; i < top.size(); i++) {
      ids[i] = top.get(i).movieId();
      positions[i] = catalogue.position(ids[i]);
      scores[i] = top.get(i).score();
      floats[i] = (float) scores[i];
    }
    message.reply(new NeighbourSearchReply(Heartbeats.wire(loaded.ref()), NodeIdentity.id(), catalogue.encode(positions, scores), ids, floats));
  }

  /** Why each recommended movie: the up to two rated movies contributing most to its score. */
  private void explain(Message<Object> message) {
    ExplainRequest request = parse(message, ExplainRequest::of);
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, request.model());
    if (loaded == null) return;
    UserModel m = loaded.value();
    int[] rated;
    float[] ratings;
    if (request.userId() != null) {
      UserModel.UserState user = m.user(request.userId());
      rated = user == null ? new int[0] : user.rated();
      ratings = user == null ? new float[0] : user.ratings();
    } else {
      rated = request.movieIds();
      ratings = request.ratings();
    }
    JsonArray because = new JsonArray();
    if (rated.length == 0) {
      for (int ignored : request.recommended()) because.add(new JsonArray());
    } else {
      Explanations explanations = m.explanations(rated, ratings);
      for (int movie : request.recommended()) {
        JsonArray reasons = new JsonArray();
        if (m.catalogue().position(movie) >= 0) {
          for (Explanations.Reason r : explanations.explain(movie, Explanations.DEFAULT_REASONS).because()) {
            int p = m.catalogue().position(r.movieId());
            reasons.add(new JsonObject().put("movie_id", r.movieId()).put("title", p >= 0 ? m.catalogue().title(p) : null));
          }
        }
        because.add(reasons);
      }
    }
    message.reply(new JsonObject().put("because", because));
  }

  // ---- the console's reads ----

  /** The user's highest-rated movies in the current version (live feedback included), best first, ties by movie id. */
  private void rated(Message<Object> message) {
    RatedRequest request = parse(message, body -> RatedRequest.fromJson((JsonObject) body));
    if (request == null) return;
    ServedModel.Loaded<UserModel> loaded = version(message, null);
    if (loaded == null) return;
    UserModel m = loaded.value();
    UserModel.UserState user = m.user(request.userId());
    JsonArray rated = new JsonArray();
    int count = 0;
    if (user != null) {
      int[] ids = user.rated();
      float[] ratings = user.ratings();
      count = ids.length;
      Integer[] order = new Integer[ids.length];
      for (int i = 0; i < order.length; i++) order[i] = i;
      java.util.Arrays.sort(order, (a, b) -> ratings[a] != ratings[b] ? Float.compare(ratings[b], ratings[a]) : Integer.compare(ids[a], ids[b]));
      for (int i = 0; i < order.length && rated.size() < request.top(); i++) {
        int p = m.catalogue().position(ids[order[i]]);
        if (p >= 0) rated.add(m.catalogue().describe(p).put("rating", ratings[order[i]]));
      }
    }
    message.reply(new JsonObject().put("user_id", request.userId()).put("model_version", loaded.ref().number()).put("known", user != null)
        .put("count", count).put("rated", rated));
  }

  /** Titles and genres of the movies asked for that the current version knows (at most 1000), in the order asked. */
  private void movies(Message<Object> message) {
    JsonArray ids;
    try {
      ids = ((JsonObject) message.body()).getJsonArray("movie_ids");
      if (ids == null || ids.size() > 1000) throw new IllegalArgumentException("movie_ids: a list of at most 1000 ids");
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, e.getMessage());
      return;
    }
    ServedModel.Loaded<UserModel> loaded = version(message, null);
    if (loaded == null) return;
    MovieCatalogue catalogue = loaded.value().catalogue();
    JsonArray movies = new JsonArray();
    for (Object id : ids) {
      int p = id instanceof Number n ? catalogue.position(n.intValue()) : -1;
      if (p >= 0) movies.add(catalogue.describe(p));
    }
    message.reply(new JsonObject().put("model_version", loaded.ref().number()).put("movies", movies));
  }

  // ---- live feedback ----

  /** Checks a rating against the served version, stores it, and folds the user in again, before replying. */
  private void record(Message<Object> message) {
    FeedbackRequest request = parse(message, FeedbackRequest::of);
    if (request == null) return;
    ServedModel.Loaded<UserModel> current = model.current();
    if (current == null) {
      message.fail(FailureCodes.MODEL_NOT_LOADED, "no model version loaded yet");
      return;
    }
    if (current.value().catalogue().position(request.movieId()) < 0) {
      invalid(message, "movie_id", "the model does not know movie " + request.movieId());
      return;
    }
    RatingScale scale = current.value().scale();
    if (request.rating() != null && scale != null && !scale.valid(request.rating())) {
      invalid(message, "rating", "rating " + request.rating() + " is not on the scale of the data set: " + scale.describe());
      return;
    }
    // Stored as the grid point it stands for (found by a hostile run: 0.4999999 was stored below the scale's 0.5).
    FeedbackRequest onScale = request.rating() == null || scale == null ? request
        : new FeedbackRequest(request.userId(), request.movieId(), (float) scale.snap(request.rating()), request.time());
    vertx.executeBlocking(() -> {
      var stored = store(onScale);
      refreshHeld(request.userId());
      return stored;
    }, true).onSuccess(stored -> message.reply(new JsonObject().put("seq", stored.seq()).put("user_id", stored.userId())
        .put("movie_id", stored.movieId()).put("rating", stored.rating()).put("time", stored.ratedAt())))
        .onFailure(e -> {
          if (e instanceof FeedbackStore.DuplicateFeedbackException) invalid(message, "time", e.getMessage() + "; nothing was stored");
          else message.fail(FailureCodes.STORE_UNAVAILABLE, "feedback store unavailable");
        });
  }

  /**
   * A rating at its given time, refused when that user, movie and time are stored already (the same rating sent
   * again). Without a time it takes this node's clock in seconds, and a second more for each earlier rating of the
   * movie at that second: a user who changes a rating within a second is not refused as sending the same one again.
   */
  private io.recserve.model.feedback.Feedback store(FeedbackRequest request) {
    if (request.time() > 0) return feedback.add(request.userId(), request.movieId(), request.rating(), request.time());
    long now = System.currentTimeMillis() / 1000;
    for (int later = 0; ; later++) {
      try {
        return feedback.add(request.userId(), request.movieId(), request.rating(), now + later);
      } catch (FeedbackStore.DuplicateFeedbackException e) {
        if (later == 59) throw e;
      }
    }
  }

  /** Forgets a user's feedback: the user is served as trained again (or not at all, if unknown to the model). */
  private void forget(Message<Object> message) {
    int userId;
    try {
      userId = ((JsonObject) message.body()).getInteger("user_id");
    } catch (RuntimeException e) {
      message.fail(FailureCodes.BAD_MESSAGE, "user_id is required");
      return;
    }
    vertx.executeBlocking(() -> {
      int forgotten = feedback.forget(userId);
      refreshHeld(userId);
      return new JsonObject().put("forgotten", forgotten).put("generation", feedback.lastSeq());
    }, true).onSuccess(message::reply).onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, "feedback store unavailable"));
  }

  /** Another node stored a change of this user: fold the user in again from the store, in every version held. */
  private void refresh(Message<Object> message) {
    UserChanged changed = parse(message, UserChanged::of);
    if (changed == null) return;
    vertx.executeBlocking(() -> {
      refreshHeld(changed.userId());
      return null;
    }, true).onSuccess(v -> message.reply(new JsonObject())).onFailure(e -> message.fail(FailureCodes.STORE_UNAVAILABLE, "feedback store unavailable"));
  }

  /** Blocking: reads the user's feedback newer than each held version's training, and folds the user in again. */
  private void refreshHeld(int userId) {
    for (ServedModel.Loaded<UserModel> held : new ServedModel.Loaded[] {model.current(), model.previous()}) {
      if (held == null) continue;
      held.value().refresh(userId, feedback.ofUser(userId, held.value().trainedThrough()));
    }
  }

  private void status(Message<JsonObject> message) {
    ServedModel.Loaded<UserModel> loaded = model.current();
    JsonObject details = new JsonObject().put("users", loaded == null ? 0 : loaded.value().size())
        .put("users_changed_by_feedback", loaded == null ? 0 : loaded.value().changedUsers());
    if (model.loading() != null) details.put("loading_version", model.loading().number());
    if (model.lastError() != null) details.put("error", model.lastError());
    message.reply(new ComponentStatus(ROLE, NodeIdentity.id(), loaded != null, loaded == null ? 0 : loaded.ref().number(), details).toJson());
  }
}

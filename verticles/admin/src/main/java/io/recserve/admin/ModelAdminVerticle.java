package io.recserve.admin;

import io.recserve.bootstrap.ModelPipeline;
import io.recserve.contract.Addresses;
import io.recserve.contract.FailureCodes;
import io.recserve.contract.ModelPublished;
import io.recserve.model.store.ModelVersionInfo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model store's admin side, on {@link Addresses#ADMIN_MODELS}: lists the stored versions, publishes one, rolls back
 * to the one before the current. Deployed as a worker verticle (one message at a time, so two publishes never
 * interleave) on every node that reads the store (the embedding and ANN roles), so that the management listener of any
 * node, an HTTP-only one included, reaches the store through the bus. A publish goes through {@link ModelPipeline}, as
 * {@code bootstrap publish} does (make current, then prune), and is announced on {@link Addresses#MODEL_PUBLISHED}.
 *
 * <p>Messages: {@code {"action": "list"}}, {@code {"action": "publish", "version": 4, "by": "key name"}},
 * {@code {"action": "rollback", "by": "key name"}}. Failures: 404 for an unknown (or pruned) version, 409 when there
 * is nothing to roll back to, 400 for a malformed message, 500 otherwise (the log has the detail).
 */
public final class ModelAdminVerticle extends VerticleBase {
  public static final int CONFLICT = 409;
  private static final Logger LOG = LoggerFactory.getLogger(ModelAdminVerticle.class);
  private ModelPipeline pipeline;
  private ByteArrayOutputStream output;

  @Override
  public Future<?> start() {
    output = new ByteArrayOutputStream();
    pipeline = new ModelPipeline(config(), new PrintStream(output, true, StandardCharsets.UTF_8));
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.ADMIN_MODELS, this::handle);
    return consumer.completion();
  }

  private void handle(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    // Read by type, not cast: a field of another type is a malformed message (400), not a fault (found by an audit of
    // docs/event-bus.md: a text version was a 500 with an ERROR line, a number as the action no answer at all).
    String action = body.getValue("action") instanceof String a ? a : "";
    String by = body.getValue("by") instanceof String b ? b : "?";
    try {
      JsonObject reply = switch (action) {
        case "list" -> list();
        case "publish" -> {
          if (!(body.getValue("version") instanceof Number n) || n.doubleValue() != n.longValue()) {
            throw new Refused(FailureCodes.BAD_MESSAGE, "publish needs a version, a whole number");
          }
          yield publish(n.longValue(), by);
        }
        case "rollback" -> rollback(by);
        default -> throw new Refused(FailureCodes.BAD_MESSAGE, "action must be list, publish or rollback");
      };
      message.reply(reply);
    } catch (Refused e) {
      message.fail(e.code, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("model admin {} failed", action, e);
      message.fail(FailureCodes.INTERNAL, "the model store failed");
    } finally {
      flushOutput();
    }
  }

  private JsonObject list() {
    List<ModelVersionInfo> versions = pipeline.repository().versions();
    JsonArray out = new JsonArray();
    Long current = null;
    for (ModelVersionInfo v : versions) {
      if (v.current()) current = v.version();
      out.add(new JsonObject().put("model_version", v.version()).put("model_id", v.id()).put("created_at", v.createdAt())
          .put("current", v.current()).put("params", v.params() == null ? null : new JsonObject(v.params()))
          .put("users", v.users()).put("movies", v.movies())
          .put("evaluation", v.evaluation() == null ? null : new JsonObject(v.evaluation())).put("trained_through", v.trainedThrough()));
    }
    return new JsonObject().put("current", current).put("versions", out);
  }

  private JsonObject publish(long version, String by) {
    List<ModelVersionInfo> versions = pipeline.repository().versions();
    ModelVersionInfo target = versions.stream().filter(v -> v.version() == version).findFirst()
        .orElseThrow(() -> new Refused(FailureCodes.NOT_FOUND, "no model version " + version + " is stored (or it was pruned)"));
    OptionalLong before = pipeline.repository().current();
    pipeline.publish(version);
    LOG.info("model version {} published by {} (was {})", version, by, before.isPresent() ? before.getAsLong() : "none");
    vertx.eventBus().publish(Addresses.MODEL_PUBLISHED, new ModelPublished(version).toJson());
    return new JsonObject().put("model_version", version).put("model_id", target.id())
        .put("previous_version", before.isPresent() ? before.getAsLong() : null);
  }

  private JsonObject rollback(String by) {
    long current = pipeline.repository().current().orElseThrow(() -> new Refused(CONFLICT, "no model version is current"));
    long target = pipeline.repository().versions().stream().mapToLong(ModelVersionInfo::version).filter(v -> v < current).max()
        .orElseThrow(() -> new Refused(CONFLICT, "no stored version is older than the current one (" + current + ")"));
    return publish(target, by);
  }

  private void flushOutput() {
    String text = output.toString(StandardCharsets.UTF_8).strip();
    output.reset();
    if (!text.isEmpty()) text.lines().forEach(line -> LOG.info("{}", line));
  }

  @Override
  public Future<?> stop() {
    if (pipeline != null) pipeline.close();
    return Future.succeededFuture();
  }

  /** A refusal with its failure code and a message for the caller. */
  static final class Refused extends RuntimeException {
    final int code;

    Refused(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}

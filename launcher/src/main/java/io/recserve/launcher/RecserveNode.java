package io.recserve.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.recserve.admin.AdminVerticle;
import io.recserve.admin.ModelAdminVerticle;
import io.recserve.analytics.AnalyticsVerticle;
import io.recserve.ann.AnnVerticle;
import io.recserve.cache.CacheVerticle;
import io.recserve.embedding.EmbeddingVerticle;
import io.recserve.http.HttpVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.recserve.security.TlsFiles;
import io.recserve.serving.RelayVerticle;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Recserve process: a Vert.x instance (clustered or not) with the verticles of its roles deployed, plus, on every
 * node, the management listener ({@link AdminVerticle}) and, on nodes that read the model store (embedding, ANN), the
 * model admin handler ({@link ModelAdminVerticle}, a worker).
 */
public final class RecserveNode {
  private static final Logger LOG = LoggerFactory.getLogger(RecserveNode.class);
  /** The order a node stops in: HTTP first (no new requests; its outbox drains), analytics last, the management listener after all. */
  static final List<String> STOP_ORDER = List.of("http", "model-admin", "embedding", "ann", "cache", "analytics", "admin");
  private final Vertx vertx;
  private final java.util.Map<String, String> deployments = new java.util.concurrent.ConcurrentHashMap<>();
  private AdminVerticle admin;

  private RecserveNode(Vertx vertx) {
    this.vertx = vertx;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The management listener's port (admin.port, or the next free one). */
  public int adminPort() {
    return admin.port();
  }

  /** Starts Vert.x and deploys every role; fails (and closes Vert.x) if any verticle fails to start. */
  public static Future<RecserveNode> start(JsonObject config, Roles roles) {
    return start(config, roles, vertx -> {});
  }

  /** The same, calling {@code beforeDeploying} with the new Vert.x first (to set what the verticles read at start). */
  public static Future<RecserveNode> start(JsonObject config, Roles roles, Consumer<Vertx> beforeDeploying) {
    return start(config, roles, roles, beforeDeploying);
  }

  /**
   * Deploys {@code roles} now, of the {@code allRoles} this node will run (the rest come later through
   * {@link #deploy}), then the management listener, which reports on all of them.
   */
  public static Future<RecserveNode> start(JsonObject config, Roles roles, Roles allRoles, Consumer<Vertx> beforeDeploying) {
    return createVertx(config).compose(vertx -> {
      io.recserve.contract.Codecs.register(vertx);
      beforeDeploying.accept(vertx);
      RecserveNode node = new RecserveNode(vertx);
      return node.deploy(config, roles).compose(v -> node.deployAdmin(config, allRoles)).map(node)
          .recover(e -> vertx.close().transform(ignored -> Future.failedFuture(e)));
    });
  }

  /**
   * Deploys {@code roles} into this running node (those a node deploys once its store is reachable). On a failure,
   * what did start stays deployed: {@link #stop()} stops it.
   */
  public Future<Void> deploy(JsonObject config, Roles roles) {
    List<Future<String>> deployed = new ArrayList<>();
    for (var role : roles.instances().entrySet()) {
      int instances = role.getValue() > 0 ? role.getValue() : defaultInstances(config, role.getKey());
      if (instances > 1 && role.getKey().equals(AnalyticsVerticle.ROLE)) {
        return Future.failedFuture(new IllegalArgumentException(Roles.ONE_ANALYTICS + " (analytics.instances is " + instances + ")"));
      }
      deployed.add(vertx.deployVerticle(factory(role.getKey()), new DeploymentOptions().setConfig(config).setInstances(instances))
          .onSuccess(id -> {
            deployments.put(role.getKey(), id);
            LOG.info("deployed {} x{}", role.getKey(), instances);
          }));
    }
    if (roles.needsModel()) { // where the store is read: publish and rollback requests from any node land here
      deployed.add(vertx.deployVerticle(new ModelAdminVerticle(), new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.WORKER))
          .onSuccess(id -> deployments.put("model-admin", id)));
      // batches of the request path's reads from HTTP nodes in other JVMs (RelayBatch): one crossing for many requests
      deployed.add(vertx.deployVerticle(new RelayVerticle(), new DeploymentOptions()).onSuccess(id -> deployments.put("relay", id)));
    }
    return Future.all(deployed).mapEmpty();
  }

  /** The management listener, once the first roles are deployed, so that its first /ready finds them. */
  private Future<Void> deployAdmin(JsonObject config, Roles roles) {
    admin = new AdminVerticle(new ArrayList<>(roles.instances().keySet()));
    return vertx.deployVerticle(admin, new DeploymentOptions().setConfig(config)).onSuccess(id -> deployments.put("admin", id)).mapEmpty();
  }

  static Supplier<? extends Deployable> factory(String role) {
    return switch (role) {
      case "http" -> HttpVerticle::new;
      case "embedding" -> EmbeddingVerticle::new;
      case "ann" -> AnnVerticle::new;
      case "cache" -> CacheVerticle::new;
      case "analytics" -> AnalyticsVerticle::new;
      default -> throw new IllegalArgumentException("unknown role " + role);
    };
  }

  private static int defaultInstances(JsonObject config, String role) {
    return config.getJsonObject(role, new JsonObject()).getInteger("instances", 1);
  }

  private static Future<Vertx> createVertx(JsonObject config) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_CODE, Label.HTTP_METHOD, Label.POOL_TYPE, Label.POOL_NAME))
        // Per-message event-bus meters cost a registry lookup on every hop of every request; the HTTP verticle
        // counts the failures that matter (recserve_eventbus_request_failures) itself. The generic per-request HTTP
        // server meters cost 15% of the cached path's CPU: the HTTP verticle keeps its own (recserve_http_response_time).
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS).addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    VertxOptions options = new VertxOptions().setMetricsOptions(metrics);
    // How long an event loop may run one task before Vert.x warns that it is blocked (its default: 2 s).
    JsonObject loops = config.getJsonObject("vertx", new JsonObject());
    options.setMaxEventLoopExecuteTime(loops.getLong("event-loop-max-execute-ms", 2000L)).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
    options.setBlockedThreadCheckInterval(loops.getLong("blocked-thread-check-ms", 1000L)).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
    int eventLoops = loops.getInteger("event-loops", 0);
    if (eventLoops > 0) options.setEventLoopPoolSize(eventLoops);
    JsonObject cluster = config.getJsonObject("cluster", new JsonObject());
    if (!cluster.getBoolean("enabled", false)) return Future.succeededFuture(Vertx.builder().with(options).build());
    String host = cluster.getString("host", "127.0.0.1");
    EventBusOptions eventBus = new EventBusOptions().setHost(host).setPort(cluster.getInteger("port", 0))
        .setClusterPublicHost(publicHost(cluster));
    try {
      eventBusTls(eventBus, cluster.getJsonObject("tls"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    options.setEventBusOptions(eventBus);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast(cluster))).buildClustered();
  }

  /**
   * Event-bus TLS between nodes ({@code cluster.tls}): this node's key and certificate, the certificates it trusts, and
   * client authentication required both ways, so a process without a certificate the cluster trusts can neither send to
   * nor receive from a node (its connections fail the handshake). Hazelcast's own membership traffic is not covered.
   */
  static void eventBusTls(EventBusOptions eventBus, JsonObject tls) {
    PemKeyCertOptions keyCert = TlsFiles.keyCert(tls, "cluster.tls");
    PemTrustOptions trust = TlsFiles.trust(tls, "cluster.tls");
    if (keyCert == null && trust == null) return;
    if (keyCert == null || trust == null) throw new IllegalArgumentException("cluster.tls: set key-file, cert-file and trust-file together");
    eventBus.setSsl(true).setKeyCertOptions(keyCert).setTrustOptions(trust).setClientAuth(ClientAuth.REQUIRED)
        .setSslHandshakeTimeout(5).setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Hazelcast with TCP/IP members only (no multicast), on {@code cluster.hazelcast-port} and following ports. */
  static Config hazelcast(JsonObject cluster) {
    Config config = new Config();
    config.setClusterName(cluster.getString("name", "recserve"));
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // A node that dies without leaving is declared gone after this many seconds (Hazelcast's default is 60).
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", cluster.getValue("failure-detection-seconds", 10).toString());
    String host = cluster.getString("host", "127.0.0.1");
    config.getNetworkConfig().setPort(cluster.getInteger("hazelcast-port", 5701)).setPortAutoIncrement(true);
    if (!host.equals("0.0.0.0")) {
      config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(ipOf(host));
      // Hazelcast binds every interface unless told not to, whatever the interface list says: bind cluster.host only.
      config.setProperty("hazelcast.socket.bind.any", "false");
    }
    config.getNetworkConfig().setPublicAddress(ipOf(publicHost(cluster)));
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (String member : cluster.getString("members", "127.0.0.1").split(",")) {
      if (!member.isBlank()) join.getTcpIpConfig().addMember(member.strip());
    }
    return config;
  }

  /**
   * The address other nodes reach this one at: {@code cluster.public-host}, else {@code cluster.host}, else (bound to
   * 0.0.0.0, as a scaled container is) this machine's own address.
   */
  static String publicHost(JsonObject cluster) {
    String publicHost = cluster.getString("public-host", "");
    if (!publicHost.isBlank()) return publicHost;
    String host = cluster.getString("host", "127.0.0.1");
    if (!host.equals("0.0.0.0")) return host;
    try {
      return java.net.InetAddress.getLocalHost().getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("cannot tell this machine's address; set cluster.public-host", e);
    }
  }

  /** Hazelcast's interface list takes addresses, not names: a container's service name is resolved first. */
  private static String ipOf(String host) {
    try {
      return java.net.InetAddress.getByName(host).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("cluster.host " + host + " does not resolve", e);
    }
  }

  /**
   * Stops in order: HTTP stops taking requests and waits until its analytics events are confirmed, then the other
   * roles, analytics last (it commits what it received), then Vert.x.
   */
  public Future<Void> stop() {
    LOG.info("stopping {} deployments", deployments.size());
    Future<Void> chain = Future.succeededFuture();
    for (String role : STOP_ORDER) {
      String id = deployments.get(role);
      if (id == null) continue;
      chain = chain.transform(ar -> vertx.undeploy(id).onFailure(e -> LOG.warn("stopping {}: {}", role, e.toString())).otherwiseEmpty());
    }
    return chain.transform(ar -> vertx.close());
  }
}

package io.recserve.serving;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URI;
import java.util.Properties;

/**
 * The one reading of {@code pg.url} for the whole code base: {@code postgresql://user[:password]@host[:port]/db[?sslmode=...]},
 * parsed by vertx-pg-client's {@link PgConnectOptions#fromUri}, and from that the JDBC form the pipeline and the
 * bulk loaders use. The password and {@code sslmode} reach both clients; {@link #display()} masks the password.
 */
public record PgSettings(PgConnectOptions options, String schema) {
  /** True when {@code pg.url} is set: PostgreSQL is the store. */
  public static boolean configured(JsonObject config) {
    return !config.getJsonObject("pg", new JsonObject()).getString("url", "").isBlank();
  }

  public static PgSettings of(JsonObject config) {
    JsonObject pg = config.getJsonObject("pg", new JsonObject());
    return parse(pg.getString("url", ""), pg.getString("schema", "public"));
  }

  public static PgSettings parse(String url, String schema) {
    String u = url.strip();
    if (!u.startsWith("postgresql://") && !u.startsWith("postgres://")) {
      throw new IllegalArgumentException("PostgreSQL URL must start with postgresql://, got " + mask(u));
    }
    u = u.replaceFirst("^postgres://", "postgresql://");
    PgConnectOptions options = PgConnectOptions.fromUri(u);
    // fromUri leaves its own defaults (user "user", password "pass", database "db") where the URL is silent: the
    // libpq defaults apply instead, as psql would use them.
    URI uri = URI.create(u);
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) options.setUser("postgres");
    if (userInfo == null || !userInfo.contains(":")) options.setPassword(""); // none: trust or peer authentication
    if (uri.getRawPath() == null || uri.getRawPath().length() <= 1) options.setDatabase(options.getUser());
    return new PgSettings(options, schema == null || schema.isBlank() ? "public" : schema);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }

  public Properties jdbcProperties(String applicationName) {
    Properties p = new Properties();
    p.setProperty("user", options.getUser());
    if (hasPassword()) p.setProperty("password", options.getPassword());
    p.setProperty("currentSchema", schema);
    p.setProperty("ApplicationName", applicationName);
    SslMode ssl = options.getSslMode();
    if (ssl != null) p.setProperty("sslmode", ssl.value);
    return p;
  }

  public boolean hasPassword() {
    return options.getPassword() != null && !options.getPassword().isEmpty();
  }

  /** The server and database, with the password masked: for logs and the start summary. */
  public String display() {
    return "postgresql://" + options.getUser() + (hasPassword() ? ":***" : "") + "@" + options.getHost() + ":"
        + options.getPort() + "/" + options.getDatabase() + (schema.equals("public") ? "" : " (schema " + schema + ")");
  }

  /** A URL with any password replaced by {@code ***}. */
  public static String mask(String url) {
    return url.replaceFirst("(://[^:/@]+:)[^@]*@", "$1***@");
  }
}

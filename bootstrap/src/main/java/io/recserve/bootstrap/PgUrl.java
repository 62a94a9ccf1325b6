package io.recserve.bootstrap;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** A {@code postgresql://user[:password]@host[:port]/database} URL, as JDBC wants it. */
public record PgUrl(String host, int port, String database, String user, String password) {
  public static PgUrl parse(String url) {
    URI uri = URI.create(url.strip());
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw new IllegalArgumentException("PostgreSQL URL must start with postgresql://, got " + url);
    }
    String user = "postgres", password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
      if (parts.length == 2) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
    }
    String db = uri.getPath() == null || uri.getPath().length() <= 1 ? user : uri.getPath().substring(1);
    return new PgUrl(uri.getHost() == null ? "localhost" : uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), db, user, password);
  }

  public String jdbc() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public Properties properties(String schema) {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) p.setProperty("password", password);
    if (schema != null && !schema.isBlank()) p.setProperty("currentSchema", schema);
    p.setProperty("ApplicationName", "recserve-bootstrap");
    return p;
  }
}

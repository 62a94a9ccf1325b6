package io.recserve.model.movielens;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The proxies the usual environment variables name, as a {@link ProxySelector} for {@code java.net.http.HttpClient}:
 * {@code https_proxy} / {@code HTTPS_PROXY} for https URLs, {@code http_proxy} / {@code HTTP_PROXY} for http URLs
 * (the lower-case name wins when both are set, as in curl), each {@code http://[user:password@]host[:port]}, and
 * {@code no_proxy} / {@code NO_PROXY}: a comma-separated list of host names, domain suffixes ({@code .corp} or
 * {@code corp} both match {@code files.corp}), IP addresses, {@code host:port}, or {@code *} for every host. Where no
 * variable applies, the JVM's own selector decides ({@code -Dhttps.proxyHost=...}, else a direct connection).
 */
public final class EnvironmentProxies extends ProxySelector {
  /** A proxy named by an environment variable; the password is never part of {@link #toString()}. */
  public record Entry(String variable, String host, int port, String user, String password) {
    public boolean hasCredentials() {
      return user != null;
    }

    public InetSocketAddress address() {
      return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
      return "proxy " + host + ":" + port + " (from " + variable + ")";
    }
  }

  private final Entry http;
  private final Entry https;
  private final List<String> noProxy;
  private final ProxySelector fallback;

  private EnvironmentProxies(Entry http, Entry https, List<String> noProxy, ProxySelector fallback) {
    this.http = http;
    this.https = https;
    this.noProxy = noProxy;
    this.fallback = fallback;
  }

  /** From this process's environment. */
  public static EnvironmentProxies fromEnvironment() {
    return from(System.getenv());
  }

  /** From {@code env}; an unusable proxy URL is refused at once with a message naming the variable. */
  public static EnvironmentProxies from(Map<String, String> env) {
    return new EnvironmentProxies(entry(env, "http_proxy"), entry(env, "https_proxy"), noProxyList(env), ProxySelector.getDefault());
  }

  /** The environment's proxy for {@code uri}, if one applies (not for hosts that NO_PROXY lists). */
  public Optional<Entry> proxyFor(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    Entry entry = switch (scheme) {
      case "https" -> https;
      case "http" -> http;
      default -> null;
    };
    if (entry == null || bypassed(uri)) return Optional.empty();
    return Optional.of(entry);
  }

  /** True when NO_PROXY names {@code uri}'s host (or {@code *}). */
  boolean bypassed(URI uri) {
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    for (String rule : noProxy) {
      if (rule.equals("*")) return true;
      String name = rule;
      int colon = rule.lastIndexOf(':');
      if (colon > 0 && rule.indexOf(':') == colon && rule.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        if (Integer.parseInt(rule.substring(colon + 1)) != port) continue;
        name = rule.substring(0, colon);
      }
      if (name.startsWith("*.")) name = name.substring(2);
      else if (name.startsWith(".")) name = name.substring(1);
      if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
      if (!name.isEmpty() && (host.equals(name) || host.endsWith("." + name))) return true;
    }
    return false;
  }

  @Override
  public List<Proxy> select(URI uri) {
    Optional<Entry> entry = proxyFor(uri);
    if (entry.isPresent()) return List.of(new Proxy(Proxy.Type.HTTP, entry.get().address()));
    if (bypassed(uri) || fallback == null) return List.of(Proxy.NO_PROXY);
    return fallback.select(uri);
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    if (fallback != null && proxyFor(uri).isEmpty()) fallback.connectFailed(uri, address, failure);
  }

  private static String variable(Map<String, String> env, String lower) {
    String value = env.get(lower);
    if (value != null && !value.isBlank()) return lower;
    String upper = lower.toUpperCase(Locale.ROOT);
    value = env.get(upper);
    return value != null && !value.isBlank() ? upper : null;
  }

  private static Entry entry(Map<String, String> env, String lower) {
    String variable = variable(env, lower);
    if (variable == null) return null;
    String value = env.get(variable).strip();
    URI uri;
    try {
      uri = URI.create(value.contains("://") ? value : "http://" + value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(variable + " is not a proxy URL (http://[user:password@]host:port): " + e.getMessage(), e);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException(variable + " names a " + scheme + ":// proxy; Java's HTTP client speaks only to "
          + "http:// proxies (write it as http://host:port)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(variable + " names no proxy host (expected http://[user:password@]host:port)");
    }
    int port = uri.getPort() != -1 ? uri.getPort() : 80;
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] userInfo = uri.getRawUserInfo().split(":", 2);
      user = percentDecoded(userInfo[0]);
      password = userInfo.length > 1 ? percentDecoded(userInfo[1]) : "";
    }
    return new Entry(variable, uri.getHost(), port, user, password);
  }

  /** %XX escapes decoded; a '+' stays a '+' (URLDecoder would make it a space). */
  private static String percentDecoded(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static List<String> noProxyList(Map<String, String> env) {
    String variable = variable(env, "no_proxy");
    List<String> rules = new ArrayList<>();
    if (variable == null) return rules;
    for (String rule : env.get(variable).split("[,\\s]+")) {
      if (!rule.isBlank()) rules.add(rule.strip().toLowerCase(Locale.ROOT));
    }
    return List.copyOf(rules);
  }
}

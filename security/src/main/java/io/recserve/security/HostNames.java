package io.recserve.security;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names a listener answers to in a request's {@code Host}: an IP address, {@code localhost}, the listener's own
 * host setting, and the names configured beside it ({@code admin.host-names}, {@code http.host-names}). A web page
 * whose name DNS rebinding points at a listener sends its own name as the Host (and as the Origin of its writes), so it
 * is refused whatever it asks, reads included.
 */
public final class HostNames {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private final Set<String> names = new HashSet<>();

  public HostNames(String listenerHost, String configured) {
    names.add("localhost");
    names.add(normal(listenerHost));
    if (configured != null) for (String name : configured.split(",")) if (!name.isBlank()) names.add(normal(name));
  }

  /**
   * Whether a request with this {@code Host} header is for this listener (both listeners speak HTTP/1.1 only); a request
   * without one (HTTP/1.0) is.
   */
  public boolean allowed(String hostHeader) {
    if (hostHeader == null) return true;
    String host = hostHeader.strip();
    if (host.startsWith("[")) { // an IPv6 address, with or without a port
      int close = host.indexOf(']');
      return close > 0 && (close == host.length() - 1 || host.charAt(close + 1) == ':');
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) host = host.substring(0, colon);
    host = normal(host);
    return IPV4.matcher(host).matches() || names.contains(host);
  }

  /** Whether a listener's host setting is a loopback address, which only this machine's clients can reach. */
  public static boolean loopback(String listenerHost) {
    String h = normal(listenerHost);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
  }

  private static String normal(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }
}

package io.recserve.model.movielens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTPS_PROXY, HTTP_PROXY and NO_PROXY, upper and lower case, read as curl and most tools read them. */
@Timeout(value = 5, unit = TimeUnit.SECONDS)
class EnvironmentProxiesTest {
  private static final URI GROUPLENS = URI.create("https://files.grouplens.org/datasets/movielens/ml-latest-small.zip");

  @Test
  void eachSchemeHasItsVariableAndLowerCaseWins() {
    EnvironmentProxies proxies = EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://upper:3128", "https_proxy", "http://lower:3129",
        "HTTP_PROXY", "plain:8080"));
    assertThat(proxies.proxyFor(GROUPLENS)).get().satisfies(p -> {
      assertThat(p.host()).isEqualTo("lower");
      assertThat(p.port()).isEqualTo(3129);
      assertThat(p.variable()).isEqualTo("https_proxy");
    });
    assertThat(proxies.proxyFor(URI.create("http://mirror.example/ml.zip"))).get()
        .satisfies(p -> assertThat(p.toString()).isEqualTo("proxy plain:8080 (from HTTP_PROXY)"));
    assertThat(proxies.select(GROUPLENS)).containsExactly(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("lower", 3129)));
  }

  @Test
  void anHttpsUrlDoesNotFallBackToHttpProxy() {
    EnvironmentProxies proxies = EnvironmentProxies.from(Map.of("http_proxy", "http://proxy:3128"));
    assertThat(proxies.proxyFor(GROUPLENS)).isEmpty();
  }

  @Test
  void credentialsAreReadButNeverShown() {
    EnvironmentProxies proxies = EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://me%40corp:p%3Ass+word@proxy.corp:8080/"));
    EnvironmentProxies.Entry p = proxies.proxyFor(GROUPLENS).orElseThrow();
    assertThat(p.user()).isEqualTo("me@corp");
    assertThat(p.password()).isEqualTo("p:ss+word");
    assertThat(p.toString()).isEqualTo("proxy proxy.corp:8080 (from HTTPS_PROXY)");
    assertThat(EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://proxy.corp")).proxyFor(GROUPLENS).orElseThrow().port()).isEqualTo(80);
  }

  @Test
  void noProxyMatchesHostsAndDomainSuffixes() {
    EnvironmentProxies proxies = EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://proxy:3128",
        "no_proxy", "localhost, .internal,grouplens.org ,10.0.0.7,mirror.example:8443"));
    assertThat(proxies.proxyFor(GROUPLENS)).isEmpty();
    assertThat(proxies.proxyFor(URI.create("https://grouplens.org/x"))).isEmpty();
    assertThat(proxies.proxyFor(URI.create("https://notgrouplens.org/x"))).isPresent();
    assertThat(proxies.proxyFor(URI.create("https://a.b.internal/x"))).isEmpty();
    assertThat(proxies.proxyFor(URI.create("https://internal.example/x"))).isPresent();
    assertThat(proxies.proxyFor(URI.create("https://10.0.0.7/x"))).isEmpty();
    assertThat(proxies.proxyFor(URI.create("https://mirror.example:8443/x"))).isEmpty();
    assertThat(proxies.proxyFor(URI.create("https://mirror.example/x"))).isPresent();
    assertThat(proxies.select(GROUPLENS)).isEqualTo(List.of(Proxy.NO_PROXY));
  }

  @Test
  void upperCaseNoProxyAndStar() {
    assertThat(EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://proxy:3128", "NO_PROXY", "*")).proxyFor(GROUPLENS)).isEmpty();
    assertThat(EnvironmentProxies.from(Map.of("HTTPS_PROXY", "http://proxy:3128", "NO_PROXY", "*.grouplens.org")).proxyFor(GROUPLENS)).isEmpty();
  }

  @Test
  void withoutVariablesTheJvmDecides() {
    assertThat(EnvironmentProxies.from(Map.of()).proxyFor(GROUPLENS)).isEmpty();
    assertThat(EnvironmentProxies.from(Map.of("HTTPS_PROXY", " ")).proxyFor(GROUPLENS)).isEmpty();
  }

  @Test
  void proxiesJavaCannotUseAreRefusedByName() {
    assertThatThrownBy(() -> EnvironmentProxies.from(Map.of("https_proxy", "socks5://proxy:1080")))
        .hasMessage("https_proxy names a socks5:// proxy; Java's HTTP client speaks only to http:// proxies (write it as http://host:port)");
  }
}

package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The fast reader of the plain {@code /recommend} body against the general way (Jackson and openapi.yaml's
 * {@code RecommendRequest} schema, {@link OpenApiRules}): on bodies built near the plain shape (keys right and wrong,
 * each once or twice, integers at and beyond the bounds, fractions, exponents, leading zeros, strings, JSON and
 * non-JSON whitespace, cut short, trailing bytes), whatever the fast reader accepts the general way accepts with the
 * same meaning; and every well-formed plain body is taken by the fast reader (else the fast path would be dead).
 * Budget: a few seconds (no server, no I/O); {@link #stop} checks it.
 */
class PlainRecommendBodyTest {
  static final long BUDGET_MILLIS = 10_000;
  private static Vertx vertx;
  private static OpenApiRules rules;
  private static long started;

  @BeforeContainer
  static void start() throws Exception {
    started = System.currentTimeMillis();
    vertx = Vertx.vertx();
    rules = OpenApiRules.load(vertx, "openapi.yaml").await(10, TimeUnit.SECONDS);
  }

  @AfterContainer
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    assertThat(System.currentTimeMillis() - started).as("PlainRecommendBodyTest's budget").isLessThan(BUDGET_MILLIS);
  }

  @Property(tries = 5000)
  void whatTheFastReaderTakesTheDocumentTakesAlike(@ForAll("nearPlain") String text) {
    Buffer body = Buffer.buffer(text);
    RecommendationRequest fast = PlainRecommendBody.read(body);
    Statistics.collect(fast != null ? "read fast" : "declined");
    Statistics.coverage(c -> c.check("read fast").percentage(p -> p > 5.0));
    if (fast == null) return;
    RecommendationRequest general = RecommendationRequest.of(rules.body("recommend", body), "");
    assertThat(fast.userId()).as(text).isEqualTo(general.userId());
    assertThat(fast.cutoff()).as(text).isEqualTo(general.cutoff());
    assertThat(general.filters().none()).as(text).isTrue();
    assertThat(general.explain() || general.popularFallback() || general.anonymous()).as(text).isFalse();
  }

  @Property(tries = 1000)
  void everyWellFormedPlainBodyIsReadFast(@ForAll("plain") String text) {
    RecommendationRequest general = RecommendationRequest.of(rules.body("recommend", Buffer.buffer(text)), "");
    RecommendationRequest fast = PlainRecommendBody.read(Buffer.buffer(text));
    assertThat(fast).as(text).isNotNull();
    assertThat(fast.userId()).as(text).isEqualTo(general.userId());
    assertThat(fast.cutoff()).as(text).isEqualTo(general.cutoff());
  }

  /** Valid plain bodies: user_id any int32, cutoff 1..100 or absent, either order, JSON whitespace anywhere allowed. */
  @Provide
  Arbitrary<String> plain() {
    Arbitrary<String> ws = Arbitraries.of("", " ", "  ", "\n", "\t", "\r\n");
    Arbitrary<Integer> user = Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE));
    Arbitrary<Integer> cutoff = Arbitraries.integers().between(0, 100); // 0: absent
    return Combinators.combine(ws.list().ofSize(8), user, cutoff, Arbitraries.of(true, false)).as((w, u, k, userFirst) -> {
      String userMember = "\"user_id\"" + w.get(0) + ":" + w.get(1) + u;
      if (k == 0) return w.get(2) + "{" + w.get(3) + userMember + w.get(4) + "}" + w.get(5);
      String cutoffMember = "\"cutoff\"" + w.get(6) + ":" + w.get(7) + k;
      List<String> members = userFirst ? List.of(userMember, cutoffMember) : List.of(cutoffMember, userMember);
      return w.get(2) + "{" + w.get(3) + members.get(0) + w.get(4) + "," + w.get(5) + members.get(1) + "}" + w.get(0);
    }).filter(s -> s.length() <= PlainRecommendBody.MAX_BYTES);
  }

  /** Bodies near the plain shape: each part right most of the time, so that some are plain and most are wrong in a small way. */
  @Provide
  Arbitrary<String> nearPlain() {
    Arbitrary<String> ws = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of("", " ", "\n")),
        Tuple.of(1, Arbitraries.of("\t", "\r", "\u00a0", "\f", "\u2028")));
    Arbitrary<String> key = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of("user_id", "cutoff")),
        Tuple.of(1, Arbitraries.of("User_id", "user_id ", "cutof", "cutoffs", "explain", "ratings", "user\\u005fid", "")));
    Arbitrary<String> number = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.integers().between(-3, 103).map(String::valueOf)),
        Tuple.of(2, Arbitraries.integers().map(String::valueOf)),
        Tuple.of(1, Arbitraries.longs().map(String::valueOf)),
        Tuple.of(2, Arbitraries.of("2147483647", "2147483648", "-2147483648", "-2147483649", "9999999999", "99999999999", "0", "-0",
            "00", "007", "1.0", "1.5", "1e2", "1E2", "10.", "-", "+1", "\"5\"", "true", "null", "[1]", "{}", "", "0x10", "1_0", "\u0661")));
    Arbitrary<String> quote = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("\"")), Tuple.of(1, Arbitraries.of("'", "")));
    Arbitrary<String> member = Combinators.combine(key, ws, ws, number, quote).as((k, w1, w2, v, q) -> q + k + q + w1 + ":" + w2 + v);
    Arbitrary<String> userMember = Combinators.combine(ws, ws, number).as((w1, w2, v) -> "\"user_id\"" + w1 + ":" + w2 + v);
    Arbitrary<List<String>> members = Combinators.combine(Arbitraries.frequencyOf(Tuple.of(3, userMember), Tuple.of(1, member)),
        member.list().ofMaxSize(2)).as((first, rest) -> {
          List<String> all = new java.util.ArrayList<>(rest);
          all.add(rest.isEmpty() ? 0 : rest.size() - 1, first);
          return all;
        });
    Arbitrary<String> comma = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just(",")), Tuple.of(1, Arbitraries.of(",,", ";", "")));
    Arbitrary<String> object = Combinators.combine(Arbitraries.frequencyOf(Tuple.of(9, members), Tuple.of(1, Arbitraries.just(List.<String>of()))), ws, ws, comma)
        .as((given, w1, w2, c) -> "{" + w1 + String.join(c + w2, given) + w2 + "}");
    Arbitrary<String> tail = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.of("", " ", "\n")), Tuple.of(1, Arbitraries.of("}", "x", ",", "{}", "\u0000")));
    return Combinators.combine(ws, object, tail, Arbitraries.integers().between(0, 15))
        .as((w, o, t, cut) -> {
          String s = w + o + t;
          return cut == 0 && s.length() > 1 ? s.substring(0, s.length() / 2) : s;
        });
  }
}

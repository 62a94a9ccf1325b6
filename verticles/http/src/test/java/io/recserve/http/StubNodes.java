package io.recserve.http;

/** Settings shared by the tests that stand tiny stubs in for the embedding and ANN nodes. */
final class StubNodes {
  /**
   * The HTTP verticle's {@code model.poll-interval-ms} in those tests. The stubs beat every 200 ms; the verticle drops a
   * node after two of its own periods plus half of one, so 5 s of silence here. With 200 ms the limit was 650 ms, and
   * a pause of a loaded CI machine dropped the stub embedding node in the middle of OpenApiPropertiesTest: the request
   * then went to the shared address no stub serves, and was answered 503. (The same 503 came once more at the start
   * of that class: the stub ANN node's heartbeat heard before the embedding node's. The node directory now serves no
   * version before an embedding node holding it is heard.)
   */
  static final long POLL_MS = 2000;

  /**
   * The verticle's {@code eventbus.timeout-ms} in the tests that expect answers from the stubs. With 300 ms, the first
   * request of a fresh JVM on a loaded CI machine (class loading, the first codec use) outlasted the timeout, and
   * PublicPortSecurityTest got a 503 where it expected a 200. A test of the timeout itself sets its own, short one.
   */
  static final long BUS_TIMEOUT_MS = 5000;

  private StubNodes() {}
}

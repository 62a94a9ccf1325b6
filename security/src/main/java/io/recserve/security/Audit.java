package io.recserve.security;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log (logger {@code recserve.audit}): one line per admin action, saying who (the key's name, never the key),
 * what, the outcome, and when (UTC), e.g.
 * {@code who=ops-anna action="publish model version 4" outcome="ok: version 4 is current" at=2026-02-01T10:00:00Z}.
 */
public final class Audit {
  public static final String LOGGER = "recserve.audit";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private Audit() {}

  public static void log(String who, String action, String outcome) {
    LOG.info("who={} action=\"{}\" outcome=\"{}\" at={}", who, clean(action), clean(outcome), Instant.now());
  }

  /** One line, no quotes that would break the format (an outcome may carry text from a failure). */
  private static String clean(String text) {
    return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ').replace('"', '\'');
  }
}

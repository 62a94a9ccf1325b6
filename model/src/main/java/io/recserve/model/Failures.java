package io.recserve.model;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Turns a failure into one line a user can read: the messages along the cause chain, in words where an exception
 * carries none (the JDK's HTTP client throws {@code ConnectException} with a null message, for one). Never returns
 * "null" or an empty string.
 */
public final class Failures {
  /** An exception whose message already says what happened and what to do: its causes are not appended. */
  public interface Explained {}

  private static final int MAX_PARTS = 4;

  private Failures() {}

  public static String describe(Throwable failure) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = failure; t != null && parts.size() < MAX_PARTS; t = t.getCause()) {
      if (isWrapper(t) && t.getCause() != null) continue;
      String message = message(t);
      // A message the JDK made from the cause ("java.io.IOException: disk full") repeats the cause; take the cause's.
      if (message != null && t.getCause() != null && message.equals(t.getCause().toString())) continue;
      String text = message != null ? message : inWords(t);
      if (parts.stream().noneMatch(p -> p.contains(text))) parts.add(text);
      if (t instanceof Explained) break;
      if (t.getCause() == t) break;
    }
    return parts.isEmpty() ? inWords(failure) : String.join(": ", parts);
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof CompletionException || t instanceof ExecutionException || t instanceof InvocationTargetException
        || t instanceof UndeclaredThrowableException;
  }

  private static String message(Throwable t) {
    // NoSuchFileException("data/x") says only the path: say what about it.
    if (t instanceof FileSystemException fs && fs.getReason() == null && fs.getFile() != null) {
      return fs.getFile() + ": " + inWords(t);
    }
    String m = t.getMessage();
    if (m == null) return null;
    m = m.strip();
    return m.isEmpty() || m.equals("null") ? null : m;
  }

  /** What an exception without a message means, in words. */
  static String inWords(Throwable t) {
    if (t instanceof NoRouteToHostException) return "no route to host";
    if (t instanceof ConnectException) return "cannot connect";
    if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) return "the host name does not resolve";
    if (t instanceof ClosedChannelException) return "the connection was closed";
    if (t instanceof SocketTimeoutException || t instanceof TimeoutException) return "timed out";
    if (t instanceof NoSuchFileException) return "no such file";
    if (t instanceof AccessDeniedException) return "access denied";
    if (t instanceof FileAlreadyExistsException) return "the file already exists";
    if (t instanceof OutOfMemoryError) return "out of memory (raise -Xmx through RECSERVE_JVM_OPTS)";
    if (t instanceof InterruptedException) return "interrupted";
    return "unexpected " + t.getClass().getSimpleName() + " (RECSERVE_DEBUG=1 prints the stack trace)";
  }
}

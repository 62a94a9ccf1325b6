package io.recserve.model.movielens;

import io.recserve.model.Failures;
import java.io.IOException;

/**
 * A MovieLens release could not be downloaded or stored. The message is one line meant for the user: the URL, what
 * went wrong in words, and what to do about it.
 */
public final class MovieLensDownloadException extends IOException implements Failures.Explained {
  MovieLensDownloadException(String message, Throwable cause) {
    super(message, cause);
  }
}

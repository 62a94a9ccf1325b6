package io.recserve.analytics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.recserve.contract.RecommendationEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Reads one line of the events file with Jackson's streaming parser: checks that the whole line is one JSON object
 * with a string {@code request_id}, and takes out only what the id and summary windows need, without building a
 * {@code JsonObject} (reading back hundreds of thousands of events at start is several times faster this way).
 */
final class EventLines {
  private static final JsonFactory JSON = new JsonFactory();

  private EventLines() {}

  /** What is kept of a stored event: its request id, and its summary entry when its time could be read. */
  record Read(String requestId, Summaries.Entry entry) {}

  /** The event on this line, or null when the line is not a whole JSON object with a string request_id. */
  static Read read(byte[] line) {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      String id = null;
      String time = null;
      String kind = RecommendationEvent.RECOMMEND; // the first events had no kind
      long version = 0;
      boolean hit = false;
      double latency = 0;
      int[] movies = new int[16];
      int n = 0;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "request_id" -> id = v == JsonToken.VALUE_STRING ? p.getText() : null;
          case "time" -> time = v == JsonToken.VALUE_STRING ? p.getText() : null;
          case "kind" -> kind = v == JsonToken.VALUE_STRING ? p.getText() : null;
          case "model_version" -> version = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
          case "cache_hit" -> hit = v == JsonToken.VALUE_TRUE;
          case "latency_ms" -> latency = v != null && v.isNumeric() ? p.getDoubleValue() : 0;
          case "items" -> {
            if (v != JsonToken.START_ARRAY) {
              p.skipChildren();
              break;
            }
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
              if (item == null) return null;
              if (item != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
              }
              for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("movie_id") && value == JsonToken.VALUE_NUMBER_INT) {
                  if (n == movies.length) movies = Arrays.copyOf(movies, n * 2);
                  movies[n++] = p.getIntValue();
                } else {
                  p.skipChildren();
                }
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null || id == null) return null; // torn, or more after it
      Summaries.Entry entry = null;
      if (time != null && Summaries.counts(kind)) { // feedback: the id counts, the summaries do not
        try {
          entry = new Summaries.Entry(Instant.parse(time).toEpochMilli(), version, hit, latency, Arrays.copyOf(movies, n));
        } catch (RuntimeException e) { // an odd time: the id still counts, the summary cannot place it
        }
      }
      return new Read(id, entry);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}

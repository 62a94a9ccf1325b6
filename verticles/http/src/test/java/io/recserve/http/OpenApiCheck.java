package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.WebClientInternal;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every answer a test receives, checked against openapi.yaml with vertx-openapi's {@link ResponseValidator}: its
 * status must be one the operation lists, and its headers and body must keep that response's schema. An answer to a
 * request that matches no operation (an unknown route, a wrong method) must be 404 or 405 (or 401, 429, 503 from
 * the guards in front of every route) with the document's {@code ErrorBody}. Wrap a test's {@link WebClient} with {@link #watch}, then {@link #assertConforming()} after each
 * test: a problem names the request, the status and what the document says.
 */
final class OpenApiCheck {
  /** The answers to a request no operation matches: not found, wrong method, or the key guard and connection bound in front. */
  private static final java.util.Set<Integer> UNMATCHED = java.util.Set.of(401, 404, 405, 429, 503);
  private final OpenAPIContract contract;
  private final ResponseValidator responses;
  private final Validator errorBody;
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private int checked;

  private OpenApiCheck(Vertx vertx, OpenAPIContract contract) {
    this.contract = contract;
    this.responses = ResponseValidator.create(vertx, contract);
    this.errorBody = contract.getSchemaRepository().validator(
        contract.operation("recommend").getResponse(400).getContent().get("application/json").getSchema());
  }

  static OpenApiCheck load(Vertx vertx) throws Exception {
    return new OpenApiCheck(vertx, OpenAPIContract.from(vertx, "openapi.yaml").await(10, TimeUnit.SECONDS));
  }

  OpenAPIContract contract() {
    return contract;
  }

  /** {@code client}, with every answer it receives checked before the test sees it. */
  WebClient watch(WebClient client) {
    ((WebClientInternal) client).addInterceptor(ctx -> {
      if (ctx.phase() != ClientPhase.DISPATCH_RESPONSE || !(ctx.response().body() == null || ctx.response().body() instanceof Buffer)) {
        ctx.next();
        return;
      }
      @SuppressWarnings("unchecked")
      HttpResponse<Buffer> response = (HttpResponse<Buffer>) ctx.response();
      String uri = ctx.request().uri();
      check(ctx.request().method(), uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri, response).onComplete(ar -> ctx.next());
    });
    return client;
  }

  /** Checks one answer; a problem is kept for {@link #assertConforming()}. Never fails. */
  Future<Void> check(HttpMethod method, String path, HttpResponse<Buffer> response) {
    checked++;
    String what = method + " " + path + " -> " + response.statusCode() + " " + (response.body() == null ? "(no body)" : response.bodyAsString());
    // HEAD is answered wherever GET is (RFC 9110): GET's status and headers, no body.
    boolean head = method == HttpMethod.HEAD && contract.findOperation(path, HttpMethod.GET) != null;
    Operation operation = contract.findOperation(path, head ? HttpMethod.GET : method);
    if (head) {
      if (operation.getResponse(response.statusCode()) == null) problems.add(what + ": a status GET " + path + " does not answer");
      if (response.body() != null && response.body().length() > 0) problems.add(what + ": a HEAD answered with a body");
      return Future.succeededFuture();
    }
    if (operation == null) {
      if (!UNMATCHED.contains(response.statusCode())) {
        problems.add(what + ": no operation of the document matches, so only " + UNMATCHED + " may answer");
      } else {
        problem(what, errorBody.validate(response.body() == null ? null : response.bodyAsJsonObject()));
      }
      return Future.succeededFuture();
    }
    Response documented = operation.getResponse(response.statusCode());
    Map<String, String> headers = new HashMap<>();
    if (documented != null) {
      for (Parameter header : documented.getHeaders()) {
        String value = response.getHeader(header.getName());
        if (value != null) headers.put(header.getName(), value);
      }
    }
    String type = response.getHeader("content-type");
    ValidatableResponse answer = response.body() == null || response.body().length() == 0
        ? ValidatableResponse.create(response.statusCode(), headers)
        : ValidatableResponse.create(response.statusCode(), headers, response.body(), type);
    return responses.validate(answer, operation.getOperationId()).<Void>mapEmpty().recover(e -> {
      String detail = e.getMessage();
      if (e instanceof SchemaValidationException s && s.getOutputUnit() != null && s.getOutputUnit().getErrors() != null) {
        detail += " " + s.getOutputUnit().getErrors().stream().map(u -> u.getInstanceLocation() + ": " + u.getError()).toList();
      }
      problems.add(what + " (" + operation.getOperationId() + "): " + detail);
      return Future.succeededFuture();
    });
  }

  private void problem(String what, OutputUnit result) {
    if (!result.getValid()) problems.add(what + ": not the document's ErrorBody: " + result.getErrors().stream().map(OutputUnit::getError).toList());
  }

  int checked() {
    return checked;
  }

  List<String> problems() {
    return List.copyOf(problems);
  }

  void assertConforming() {
    assertThat(problems).as("answers that break openapi.yaml").isEmpty();
  }
}

package io.recserve.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonFormatValidator;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request rules of {@code openapi.yaml}, the document served at {@code /openapi.yaml}: every body, path and query
 * parameter is checked against its operation's schema (vertx-openapi's contract and its JSON-schema validators) before
 * a route reads it, and the first fault becomes {@code 400 invalid_field} naming the field as the README does
 * ({@code cutoff}, {@code ratings[3].rating}, {@code requests[2].user_id}). Rules that depend on the model served stay
 * in the routes and the verticles.
 *
 * <p>The check runs on the event loop, synchronously: a few microseconds for a usual body once the JIT compiles
 * vertx-json-schema's validator, whose one method is beyond HotSpot's huge-method limit: the nodes start with
 * {@code -XX:-DontCompileHugeMethods}, without which it stays interpreted and costs about five times as much.
 * vertx-openapi's {@code RequestValidator} would do the same work on the worker pool ({@code executeBlocking} for
 * every request), a thread hop and back on the hot path, behind whatever else uses that pool.
 */
final class OpenApiRules {
  private static final ParameterTransformer QUERY = new FormTransformer();
  private static final ParameterTransformer PATH = new SimpleTransformer();
  private static final Pattern TYPE = Pattern.compile("Instance type (\\w+) is invalid\\. Expected (.+)");
  private static final Pattern BOUND = Pattern.compile("(.+) is (less|greater) than (or equal to )?(.+)");
  private static final Pattern REQUIRED = Pattern.compile("required property \"(.+)\"");
  private static final Pattern COUNT = Pattern.compile("[<>] (\\d+)\\)");

  private final OpenAPIContract contract;
  private final Map<String, Rule> bodies = new HashMap<>();
  private final Map<String, List<Param>> parameters = new HashMap<>();

  private record Param(Parameter parameter, Rule rule) {}

  /**
   * One schema of the document, its references inlined: a quick yes or no for the valid request (the hot path), and
   * the full list of errors only for a refused one. A {@code $ref} resolved on every request, and errors collected for
   * a valid one, cost more than the check itself.
   */
  record Rule(Validator quick, Validator full) {
    OutputUnit validate(Object json) {
      return quick.validate(json).getValid() ? VALID : full.validate(json);
    }
  }

  private static final OutputUnit VALID = new OutputUnit(true);

  private OpenApiRules(OpenAPIContract contract) {
    this.contract = contract;
    JsonObject components = contract.getRawContract().getJsonObject("components", new JsonObject()).getJsonObject("schemas", new JsonObject());
    for (Operation operation : contract.operations()) {
      if (operation.getRequestBody() != null) {
        MediaType json = operation.getRequestBody().getContent().get(MediaType.APPLICATION_JSON);
        if (json != null && json.getSchema() != null) bodies.put(operation.getOperationId(), rule(json.getSchema(), components));
      }
      List<Param> params = new ArrayList<>();
      for (Parameter p : operation.getParameters()) params.add(new Param(p, rule(p.getSchema(), components)));
      parameters.put(operation.getOperationId(), params);
    }
  }

  private static Rule rule(JsonSchema schema, JsonObject components) {
    JsonObject json = new JsonObject();
    for (String key : schema.fieldNames()) json.put(key, schema.get(key));
    JsonSchema inlined = JsonSchema.of((JsonObject) inline(json, components, 0));
    JsonSchemaOptions options = new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app://");
    return new Rule(Validator.create(inlined, new JsonSchemaOptions(options).setOutputFormat(OutputFormat.Flag), FORMATS),
        Validator.create(inlined, options.setOutputFormat(OutputFormat.Basic), FORMATS));
  }

  /** The schema with each {@code #/components/schemas/...} reference replaced by its schema, and no resolver annotations. */
  private static Object inline(Object value, JsonObject components, int depth) {
    if (depth > 32) throw new IllegalArgumentException("openapi.yaml: schemas nest too deep (a reference cycle?)");
    if (value instanceof JsonObject o) {
      if (o.getValue("$ref") instanceof String ref && ref.startsWith("#/components/schemas/")) {
        return inline(components.getJsonObject(ref.substring("#/components/schemas/".length())), components, depth + 1);
      }
      JsonObject out = new JsonObject();
      for (String key : o.fieldNames()) if (!key.startsWith("__")) out.put(key, inline(o.getValue(key), components, depth + 1));
      return out;
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (Object item : a) out.add(inline(item, components, depth + 1));
      return out;
    }
    return value;
  }

  /** OpenAPI's integer formats: int32 is a JSON integer that fits 32 bits, int64 one that fits 64. */
  private static final JsonFormatValidator FORMATS = (type, format, value) -> {
    if ("int32".equals(format) && !(value instanceof Integer)) return "Integer does not match the format \"int32\"";
    if ("int64".equals(format) && !(value instanceof Integer || value instanceof Long)) return "Integer does not match the format \"int64\"";
    return null;
  };

  /** Reads and resolves the document (on the class path: {@code openapi.yaml}). */
  static Future<OpenApiRules> load(Vertx vertx, String path) {
    return OpenAPIContract.from(vertx, path).map(OpenApiRules::new);
  }

  OpenAPIContract contract() {
    return contract;
  }

  /** The body of {@code operationId} as a JSON object that keeps the document's rules, or an ApiError naming the fault. */
  JsonObject body(String operationId, Buffer body) {
    JsonObject json = jsonObject(body);
    check(validator(operationId), json, "");
    return json;
  }

  /**
   * A batch's body: the envelope must keep the document's rules (an ApiError for the whole batch otherwise); each
   * request that breaks the {@code RecommendRequest} rules gets its own error, at its index (null for a good one).
   */
  ApiError[] batch(JsonObject body) {
    JsonArray requests = body.getValue("requests") instanceof JsonArray a ? a : null;
    OutputUnit result = validator("recommendBatch").validate(body);
    ApiError[] refused = new ApiError[requests == null ? 0 : requests.size()];
    if (result.getValid()) return refused;
    Map<Integer, List<OutputUnit>> perItem = new HashMap<>();
    List<OutputUnit> envelope = new ArrayList<>();
    for (OutputUnit error : result.getErrors()) {
      String at = error.getInstanceLocation();
      if (at.startsWith("#/requests/")) {
        String rest = at.substring("#/requests/".length());
        int slash = rest.indexOf('/');
        int index = Integer.parseInt(slash < 0 ? rest : rest.substring(0, slash));
        perItem.computeIfAbsent(index, i -> new ArrayList<>()).add(rebased(error, "#/requests/" + index));
      } else {
        envelope.add(error);
      }
    }
    OutputUnit first = pick(envelope);
    if (first != null) throw fault(first, "");
    if (requests == null) throw ApiError.badField("requests", "requests must be an array of /recommend bodies");
    perItem.forEach((index, errors) -> {
      OutputUnit e = pick(errors);
      if (e != null) refused[index] = fault(e, "requests[" + index + "].");
    });
    return refused;
  }

  /**
   * The methods the document gives {@code requestPath}, for a 405's {@code Allow} header (RFC 9110 asks for one),
   * with HEAD wherever GET is; null for a path the document does not have.
   */
  String allowed(String requestPath) {
    // The router takes a path with one trailing slash as the same route; the document's paths have none.
    String bare = requestPath.length() > 1 && requestPath.endsWith("/") ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
    io.vertx.openapi.contract.Path path = contract.findPath(bare);
    if (path == null) return null;
    java.util.Set<String> methods = new java.util.TreeSet<>();
    for (Operation operation : path.getOperations()) {
      methods.add(operation.getHttpMethod().name());
      if (operation.getHttpMethod() == io.vertx.core.http.HttpMethod.GET) methods.add("HEAD");
    }
    return String.join(", ", methods);
  }

  /** The path and query parameters of {@code operationId}, transformed (integers, arrays) and checked; absent ones left out. */
  JsonObject parameters(String operationId, RoutingContext ctx) {
    JsonObject values = new JsonObject();
    for (Param p : parameters.getOrDefault(operationId, List.of())) {
      Parameter parameter = p.parameter();
      String name = parameter.getName();
      boolean list = parameter.getIn() == Location.QUERY && parameter.getSchemaType() == SchemaType.ARRAY;
      List<String> given = parameter.getIn() == Location.PATH ? nullableList(ctx.pathParam(name)) : ctx.queryParam(name);
      if (given.isEmpty()) {
        if (parameter.isRequired()) throw ApiError.badField(name, name + " is required");
        continue;
      }
      Object value;
      if (list) {
        value = queryList(parameter, given);
      } else if (parameter.getSchemaType() == SchemaType.INTEGER) {
        value = number(given.get(0)); // whole, as a JSON integer: the transformer read "1 " as 1 (found by a hostile run)
      } else {
        String raw = given.get(0);
        try {
          value = (parameter.getIn() == Location.PATH ? PATH : QUERY).transform(parameter, raw);
        } catch (RuntimeException e) {
          throw ApiError.badField(name, name + " cannot be read: " + ErrorMapping.publicText(raw, "its value"));
        }
      }
      OutputUnit result = p.rule().validate(value);
      if (!result.getValid()) throw fault(pick(result.getErrors()), name, value);
      values.put(name, value);
    }
    return values;
  }

  private static List<String> nullableList(String value) {
    return value == null ? List.of() : List.of(value);
  }

  /**
   * A list parameter: repeated, or with commas, or both; {@code name=} alone is the empty list, as OpenAPI's form
   * style reads it. Each item is the decoded text as given, stripped, so an encoded {@code &} or {@code =} stays in
   * its item (vertx-openapi's form transformer takes one joined string and splits it again), and a blank item is
   * kept for the rules to refuse, as in a body. An integer list's items are numbers where they read as a JSON
   * integer, and text otherwise, which the rules then refuse by name.
   */
  private static JsonArray queryList(Parameter parameter, List<String> given) {
    JsonArray items = new JsonArray();
    if (given.size() == 1 && given.get(0).isEmpty()) return items;
    Object itemSchema = parameter.getSchema().get("items");
    Object itemType = itemSchema instanceof JsonSchema item ? item.get("type") : itemSchema instanceof JsonObject item ? item.getValue("type") : null;
    boolean integers = "integer".equals(itemType);
    for (String value : given) {
      for (String part : value.split(",", -1)) {
        String item = part.strip();
        items.add(integers ? number(item) : item);
      }
    }
    return items;
  }

  /** A JSON integer's digits, as a single value's (read as JSON) must be: no sign but minus, no leading zero, ASCII digits. */
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,18})");

  private static Object number(String item) {
    if (!INTEGER.matcher(item).matches()) return item;
    try {
      long n = Long.parseLong(item);
      if (n == (int) n) return (int) n; // an int32 item is an Integer, as the format rule asks (not one ternary: it would box both as Long)
      return n;
    } catch (NumberFormatException notANumber) {
      return item;
    }
  }

  private Rule validator(String operationId) {
    Rule v = bodies.get(operationId);
    if (v == null) throw new IllegalStateException("openapi.yaml has no JSON body for operation " + operationId);
    return v;
  }

  /** Checks one JSON value against a schema; {@code prefix} goes before field names. */
  static void check(Rule validator, Object json, String prefix) {
    OutputUnit result = validator.validate(json);
    if (!result.getValid()) throw fault(pick(result.getErrors()), prefix);
  }

  /** JSON as RFC 8259 writes it: Vert.x's own parser also takes comments, which are not JSON. */
  private static final com.fasterxml.jackson.core.JsonFactory STRICT = com.fasterxml.jackson.core.JsonFactory.builder().build();

  /** The body as a JSON object: 400 {@code malformed_json} or {@code invalid_body} (no field) otherwise. */
  static JsonObject jsonObject(Buffer body) {
    if (body == null || body.length() == 0) throw new ApiError(400, "invalid_body", "request body is empty; send a JSON object (see /openapi.yaml)", null, null);
    Object parsed;
    try {
      parsed = io.vertx.core.json.jackson.JacksonCodec.fromParser(STRICT.createParser(body.getBytes()), Object.class);
    } catch (java.io.IOException e) { // creating a parser over bytes in memory
      throw new ApiError(400, "malformed_json", "body is not valid JSON: cannot parse it", null, null);
    } catch (DecodeException e) {
      throw new ApiError(400, "malformed_json", "body is not valid JSON: "
          + ErrorMapping.publicText(RecommendationRequest.parserDetail(e.getMessage()), "cannot parse it"), null, null);
    }
    if (!(parsed instanceof JsonObject json)) throw new ApiError(400, "invalid_body", "body must be a JSON object", null, null);
    return json;
  }

  // ---- from the validator's errors to one error naming a field ----

  /** The most telling error: not a wrapper ("a subschema had errors"), not inside a failed anyOf, the deepest. */
  static OutputUnit pick(List<OutputUnit> errors) {
    OutputUnit best = null;
    int bestDepth = -1;
    if (errors == null) return null;
    for (OutputUnit e : errors) {
      String keyword = keyword(e);
      String location = e.getKeywordLocation() == null ? "" : e.getKeywordLocation();
      if (WRAPPERS.contains(keyword) || location.contains("/anyOf/") || location.contains("/oneOf/") || location.contains("/not/")) continue;
      int depth = e.getInstanceLocation().split("/", -1).length;
      if (depth > bestDepth) {
        best = e;
        bestDepth = depth;
      }
    }
    return best;
  }

  private static final java.util.Set<String> WRAPPERS = java.util.Set.of("$ref", "$dynamicRef", "$recursiveRef", "items", "prefixItems",
      "properties", "allOf", "additionalProperties", "patternProperties", "unevaluatedProperties", "unevaluatedItems", "if", "then", "else");

  private static String keyword(OutputUnit e) {
    String location = e.getKeywordLocation() == null ? "" : e.getKeywordLocation();
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private static OutputUnit rebased(OutputUnit e, String root) {
    return new OutputUnit("#" + e.getInstanceLocation().substring(root.length()), e.getAbsoluteKeywordLocation(), e.getKeywordLocation(), e.getError(), e.getErrorType());
  }

  /** A body's field at fault: its path from the body's root, with {@code prefix}. */
  private static ApiError fault(OutputUnit e, String prefix) {
    return fault(e, prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1), null);
  }

  /**
   * The error for {@code e}: its field is {@code base} (a parameter's name, a batch's {@code requests[2]}, or none for
   * a body) followed by the error's instance location, in the README's notation.
   */
  private static ApiError fault(OutputUnit e, String base, Object value) {
    if (e == null) return new ApiError(400, "invalid_field", "a field is not valid (see /openapi.yaml)", base, null);
    String field = field(base, e.getInstanceLocation());
    String message = e.getError() == null ? "" : e.getError();
    String keyword = keyword(e);
    String what;
    switch (keyword) {
      case "required" -> {
        Matcher m = REQUIRED.matcher(message);
        field = m.find() ? join(field, m.group(1)) : field;
        what = field + " is required";
      }
      // The RecommendRequest rule "user_id or ratings, never both", the only anyOf and not among the request bodies.
      case "anyOf" -> {
        field = join(field, "user_id");
        what = "user_id is required (or ratings, for a user the model does not know)";
      }
      case "not" -> {
        field = join(field, "ratings");
        what = "send user_id or ratings, never both";
      }
      case "type" -> {
        Matcher m = TYPE.matcher(message);
        what = m.find() ? field + " must be " + article(m.group(2)) + ", got " + (m.group(1).equals("null") ? "null" : article(m.group(1))) : field + " has the wrong type";
      }
      case "format" -> what = message.contains("int32") ? field + " must be a 32-bit integer" + got(value)
          : message.contains("int64") ? field + " must be a 64-bit integer" + got(value) : field + " is not in its format";
      case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> {
        Matcher m = BOUND.matcher(message);
        what = m.find() ? field + " must be " + (m.group(2).equals("less") ? "at least " : "at most ") + m.group(4) + ", got " + m.group(1) : field + " is out of range";
      }
      case "enum" -> what = field + " must be one of " + message.replaceFirst("^Instance does not match any of ", "");
      case "const" -> what = field + " must be " + message.replaceFirst("^Instance does not match ", "");
      case "minItems" -> {
        Matcher m = COUNT.matcher(message);
        String least = m.find() ? m.group(1) : "1";
        what = least.equals("1") ? field + " must not be empty" : field + " must hold at least " + least + " values";
      }
      case "maxItems" -> {
        Matcher m = COUNT.matcher(message);
        what = field + " may hold at most " + (m.find() ? m.group(1) : "so many") + " values";
      }
      case "minLength", "pattern" -> what = field + " must not be blank";
      case "maxLength" -> what = field + " is too long";
      default -> what = field + " is not valid: " + ErrorMapping.publicText(message, "see /openapi.yaml");
    }
    return ApiError.badField(field, what);
  }

  private static String got(Object value) {
    return value == null ? "" : ", got " + ErrorMapping.publicText(String.valueOf(value), "another value");
  }

  /** {@code "#/ratings/3/rating"} under {@code base} as {@code base.ratings[3].rating}. */
  static String field(String base, String instanceLocation) {
    StringBuilder out = new StringBuilder(base == null ? "" : base);
    String location = instanceLocation == null ? "#" : instanceLocation;
    for (String segment : location.substring(location.startsWith("#") ? 1 : 0).split("/")) {
      if (segment.isEmpty()) continue;
      String name = segment.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) out.append('[').append(name).append(']');
      else out.append(out.isEmpty() ? "" : ".").append(name);
    }
    return out.isEmpty() ? "body" : out.toString();
  }

  private static String join(String field, String name) {
    return field.equals("body") ? name : field + "." + name;
  }

  private static String article(String type) {
    return switch (type) {
      case "integer", "object", "array" -> "an " + type;
      case "null" -> "null";
      default -> "a " + type.replace(", ", " or ");
    };
  }
}

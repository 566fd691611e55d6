package dev.preflight.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Walks a service's OpenAPI document ({@code /q/openapi?format=json}) and tries every path × method with bad input:
 * malformed JSON, an empty body, wrong types, an unknown field, a body of the wrong Content-Type, a body over the
 * limit, absurd numbers (10^12, zero, negative fractions) in bodies and query parameters, ids with path characters,
 * a NUL byte, very long ids, unknown ids, a missing API key on mutating endpoints (those that document a 401), a method
 * the path does not have, and a path no endpoint serves. Every answer must be a 4xx with a JSON body whose
 * {@code error} names the problem (one of the input's keywords). What is tried follows the document: body inputs
 * only where a request body is declared, numeric inputs only where the schema has numbers, and so on.
 *
 * <p>Shipped in this module's test-jar: the gateway's and the data-service's {@code RestFuzzTest} both run it.
 */
public final class RestFuzz {

    /** One request and its answer; {@code problem} is null when the answer is what every bad input must get. */
    public record Attempt(String endpoint, String input, int status, String error, String problem) {
    }

    /** One bad input: how to send it, and words one of which the answer's error must contain. */
    private record Input(String name, String method, String path, String query, String contentType, byte[] body,
                         boolean withKey, List<String> expect) {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final String UNKNOWN_ID = "nope-0000";
    static final String UNKNOWN_FIELD = "bogus";
    /** Long, but inside the HTTP layer's request-line limit (4096): what is over that is a bodiless 414 of the codec. */
    static final int LONG_ID = 3000;

    private final String base;
    private final String apiKey;
    private final long maxBodyBytes;
    /** (path template, parameter name) -> a value the service knows (a dataset, a run), or null. */
    private final BiFunction<String, String, String> known;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();
    private JsonNode doc;
    /** Path × method pairs the document lists. */
    private int operations;

    public RestFuzz(String base, String apiKey, long maxBodyBytes, BiFunction<String, String, String> known) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.apiKey = apiKey;
        this.maxBodyBytes = maxBodyBytes;
        this.known = known;
    }

    public int operations() {
        return operations;
    }

    public List<Attempt> walk() throws Exception {
        doc = json.readTree(send("GET", "/q/openapi", "format=json", null, null, false).body());
        List<Input> inputs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            Set<String> methods = new LinkedHashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String method = op.getKey().toUpperCase(Locale.ROOT);
                if (List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                    methods.add(method);
                    operations++;
                    inputs.addAll(inputsFor(path.getKey(), method, op.getValue()));
                }
            }
            String other = methods.contains("DELETE") ? "PATCH" : "DELETE";
            inputs.add(new Input("method " + other, other, fill(path.getKey(), false), null, null, null, true,
                    List.of("not allowed")));
        }
        inputs.add(new Input("path no endpoint serves", "GET", "/api/definitely-not-here", null, null, null, true,
                List.of("no endpoint")));
        List<Attempt> attempts = new ArrayList<>();
        for (Input in : inputs) {
            attempts.add(attempt(in));
        }
        return attempts;
    }

    private List<Input> inputsFor(String template, String method, JsonNode op) {
        List<Input> inputs = new ArrayList<>();
        List<String> pathParams = new ArrayList<>();
        List<String> queryParams = new ArrayList<>();
        for (JsonNode p : op.path("parameters")) {
            (p.path("in").asText().equals("path") ? pathParams : queryParams).add(p.path("name").asText());
        }
        boolean mutating = op.path("responses").has("401");
        String path = fill(template, false);
        JsonNode body = op.path("requestBody");
        if (!body.isMissingNode() && !body.path("content").has("application/json")) {
            // A file upload (not JSON): JSON is refused naming the Content-Type it takes, an empty body and a missing
            // key are refused in the media type it takes.
            String type = body.path("content").fieldNames().next();
            inputs.add(json("JSON body", method, path, "{}", List.of("Content-Type")));
            inputs.add(new Input("empty body", method, path, null, type, new byte[0], true, List.of("empty")));
            if (mutating) {
                inputs.add(new Input("no API key", method, path, null, type, new byte[]{1}, false, List.of("X-API-Key")));
            }
        } else if (!body.isMissingNode()) {
            JsonNode schema = resolve(body.path("content").path("application/json").path("schema"));
            Set<String> fields = new LinkedHashSet<>();
            Set<String> numeric = new LinkedHashSet<>();
            collect(schema, fields, numeric, 0);
            List<String> named = fields.isEmpty() ? List.of("JSON") : List.copyOf(fields);
            inputs.add(json("malformed JSON", method, path, "{\"" + first(fields) + "\": ", List.of("JSON", "end-of-input", "malformed")));
            if (body.path("required").asBoolean(false)) {
                inputs.add(json("empty body", method, path, "", List.of("empty", "required", "body")));
            }
            inputs.add(json("wrong types", method, path, wrongTypes(schema).toString(), named));
            inputs.add(json("unknown field", method, path, "{\"" + UNKNOWN_FIELD + "\": 1}", List.of(UNKNOWN_FIELD)));
            inputs.add(new Input("text/plain body", method, path, null, "text/plain", bytes("{\"" + UNKNOWN_FIELD + "\": 1}"),
                    true, List.of("Content-Type", UNKNOWN_FIELD)));
            byte[] big = new byte[(int) maxBodyBytes + 1];
            java.util.Arrays.fill(big, (byte) ' ');
            big[0] = '[';
            big[big.length - 1] = ']';
            inputs.add(new Input("body over the limit", method, path, null, "application/json", big, true, List.of("limit")));
            if (!numeric.isEmpty()) {
                List<String> expect = new ArrayList<>(named);
                expect.add("range");
                inputs.add(json("numbers 10^12", method, path, absurd(schema, true).toString(), expect));
                inputs.add(json("numbers 0 and -0.5", method, path, absurd(schema, false).toString(), expect));
            }
            if (mutating) {
                inputs.add(new Input("no API key", method, path, null, "application/json", bytes(valid(schema).toString()), false,
                        List.of("X-API-Key")));
            }
        } else if (mutating) {
            inputs.add(new Input("no API key", method, path, null, null, null, false, List.of("X-API-Key")));
        }
        if (!pathParams.isEmpty()) {
            List<String> aboutIds = List.of("unknown", "no ", "not ", "invalid", "must", "endpoint");
            for (String[] id : new String[][]{{"unknown id", UNKNOWN_ID}, {"id ..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fetc%2Fpasswd"},
                    {"id ..", ".."}, {"id %00", "%00"}, {"id of " + LONG_ID + " chars", "a".repeat(LONG_ID)}}) {
                inputs.add(new Input(id[0], method, template.replaceAll("\\{[^}]+}", id[1]), null, null, null, true, aboutIds));
            }
        }
        if (!queryParams.isEmpty()) {
            for (String[] value : new String[][]{{"query numbers 10^12", "1000000000000"}, {"query numbers -1", "-1"},
                    {"query numbers -0.5", "-0.5"}, {"query wrong types", "abc"}}) {
                StringBuilder q = new StringBuilder();
                for (String name : queryParams) {
                    q.append(q.isEmpty() ? "" : "&").append(name).append('=').append(value[1]);
                }
                inputs.add(new Input(value[0], method, path, q.toString(), null, null, true, queryParams));
            }
        }
        return inputs;
    }

    private Input json(String name, String method, String path, String body, List<String> expect) {
        return new Input(name, method, path, null, "application/json", bytes(body), true, expect);
    }

    /** The path with every parameter replaced by a value the service knows, or an unknown one. */
    private String fill(String template, boolean unknown) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = unknown ? null : known.apply(template, m.group(1));
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(value == null ? UNKNOWN_ID : value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private Attempt attempt(Input in) {
        String endpoint = in.method() + " " + in.path();
        String shown = endpoint.length() > 70 ? endpoint.substring(0, 67) + "..." : endpoint;
        Answer r;
        try {
            r = in.body() != null && in.body().length > maxBodyBytes
                    ? sendExpectingContinue(in.method(), in.path(), in.contentType(), in.body(), in.withKey())
                    : Answer.of(send(in.method(), in.path(), in.query(), in.contentType(), in.body(), in.withKey()));
        } catch (IOException | InterruptedException | IllegalArgumentException e) {
            return new Attempt(shown, in.name(), -1, null, "no answer: " + e);
        }
        int status = r.status();
        String error = null;
        String problem = null;
        String type = r.contentType();
        try {
            JsonNode answer = json.readTree(r.body());
            error = answer == null ? null : answer.path("error").asText(null);
            if (answer != null && answer.has("problems")) {
                error = error + " " + answer.path("problems");
            }
        } catch (IOException e) {
            // not JSON: reported below
        }
        if (status < 400 || status >= 500) {
            problem = "HTTP " + status + " (a bad input must get a 4xx)";
        } else if (!type.startsWith("application/json")) {
            problem = "not JSON (" + (type.isEmpty() ? "no Content-Type" : type) + ", " + r.body().length + " bytes)";
        } else if (error == null || error.isBlank()) {
            problem = "no error message";
        } else if (in.expect().stream().noneMatch(w -> mentions(r, w))) {
            problem = "the message names none of " + in.expect();
        }
        return new Attempt(shown, in.name(), status, error, problem);
    }

    /** Status, Content-Type ("" when none) and body of an answer. */
    private record Answer(int status, String contentType, byte[] body) {
        static Answer of(HttpResponse<byte[]> r) {
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        }
    }

    /**
     * A large body sent as curl sends one: headers with {@code Expect: 100-continue} first, the body only once the
     * server says continue. A server refusing the size answers before reading it, and the client reads why. (A raw
     * socket, because the JDK 17 client waits forever when the answer to an expect-continue is not 100.)
     */
    private Answer sendExpectingContinue(String method, String path, String contentType, byte[] body, boolean withKey) throws IOException {
        URI uri = URI.create(base);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(60_000);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Length: " + body.length + "\r\nExpect: 100-continue\r\nConnection: close\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            if (withKey && apiKey != null) {
                head.append("X-API-Key: ").append(apiKey).append("\r\n");
            }
            var out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            Answer answer = readAnswer(in);
            if (answer.status() == 100) {
                out.write(body);
                out.flush();
                answer = readAnswer(in);
            }
            return answer;
        }
    }

    private static Answer readAnswer(java.io.InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        String type = "";
        int length = -1;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (name.equals("content-type")) {
                type = value;
            } else if (name.equals("content-length")) {
                length = Integer.parseInt(value);
            }
        }
        byte[] body = status == 100 ? new byte[0] : length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Answer(status, type, body);
    }

    private static String line(java.io.InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static boolean mentions(Answer r, String word) {
        return new String(r.body(), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT));
    }

    private HttpResponse<byte[]> send(String method, String path, String query, String contentType, byte[] body, boolean withKey)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path + (query == null ? "" : "?" + query)))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (withKey && apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    // --- bodies from the schema -------------------------------------------------------------------------------------

    private JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asText(null);
        if (ref != null && ref.startsWith("#/components/schemas/")) {
            return doc.path("components").path("schemas").path(ref.substring("#/components/schemas/".length()));
        }
        JsonNode all = schema.path("allOf");
        if (all.isArray() && !all.isEmpty()) {
            return resolve(all.get(0));
        }
        return schema;
    }

    private String type(JsonNode schema) {
        JsonNode t = schema.path("type");
        if (t.isArray()) {
            for (JsonNode each : t) {
                if (!each.asText().equals("null")) {
                    return each.asText();
                }
            }
        }
        return t.asText(schema.has("properties") ? "object" : "string");
    }

    private void collect(JsonNode schema, Set<String> fields, Set<String> numeric, int depth) {
        if (depth > 4) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            fields.add(p.getKey());
            JsonNode s = resolve(p.getValue());
            String t = type(s);
            if (t.equals("integer") || t.equals("number") || (t.equals("array") && List.of("integer", "number").contains(type(resolve(s.path("items")))))) {
                numeric.add(p.getKey());
            }
            if (t.equals("object")) {
                collect(s, fields, numeric, depth + 1);
            }
        }
    }

    private static String first(Set<String> fields) {
        return fields.isEmpty() ? "x" : fields.iterator().next();
    }

    /** Every top-level property with a value of the wrong JSON type. */
    private ObjectNode wrongTypes(JsonNode schema) {
        ObjectNode o = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            switch (type(resolve(p.getValue()))) {
                case "integer" -> o.put(p.getKey(), "many");
                case "number" -> o.put(p.getKey(), "lots");
                case "boolean" -> o.put(p.getKey(), "maybe");
                case "array" -> o.put(p.getKey(), "x");
                case "object" -> o.put(p.getKey(), 5);
                default -> o.set(p.getKey(), NODES.objectNode());
            }
        }
        if (o.isEmpty()) {
            o.set("name", NODES.objectNode());
        }
        return o;
    }

    /** A plausible body whose every number is absurd: 10^12, or 0 for integers and -0.5 for fractions. */
    private JsonNode absurd(JsonNode schema, boolean huge) {
        return fillIn(schema, huge ? 1_000_000_000_000L : 0L, huge ? 1e12 : -0.5, 0);
    }

    private JsonNode valid(JsonNode schema) {
        return fillIn(schema, 1L, 0.5, 0);
    }

    private JsonNode fillIn(JsonNode schema, long integer, double number, int depth) {
        switch (type(schema)) {
            case "integer":
                return NODES.numberNode(integer);
            case "number":
                return NODES.numberNode(number);
            case "boolean":
                return NODES.booleanNode(true);
            case "array": {
                ArrayNode a = NODES.arrayNode();
                a.add(fillIn(resolve(schema.path("items")), integer, number, depth + 1));
                return a;
            }
            case "object": {
                ObjectNode o = NODES.objectNode();
                if (depth < 4) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> p = it.next();
                        JsonNode s = resolve(p.getValue());
                        o.set(p.getKey(), type(s).equals("string") ? NODES.textNode(plausible(p.getKey(), s)) : fillIn(s, integer, number, depth + 1));
                    }
                }
                return o;
            }
            default:
                return NODES.textNode("x");
        }
    }

    /** Strings that pass so the numbers are what is judged: a known dataset, a model type, an enum's first value. */
    private static String plausible(String field, JsonNode schema) {
        if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
            return schema.path("enum").get(0).asText();
        }
        return switch (field) {
            case "dataset" -> "shapes";
            case "type" -> "mlp";
            case "format" -> "idx";
            case "name" -> "fuzz";
            case "path" -> "fuzz";
            case "optimizer" -> "adam";
            case "balance" -> "none";
            case "lrSchedule" -> "constant";
            case "biasInit" -> "zero";
            case "loss" -> "cross-entropy";
            default -> "x";
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // --- the table -------------------------------------------------------------------------------------------------

    /** Prints endpoint × input → status, the message, and the totals; returns the attempts that failed. */
    public List<Attempt> report(String service, List<Attempt> attempts) {
        System.out.println();
        System.out.println("REST fuzz walk of " + service + " (from its OpenAPI document)");
        System.out.printf("%-56s %-30s %6s  %s%n", "endpoint", "input", "status", "answer");
        for (Attempt a : attempts) {
            String answer = a.problem() != null ? "!! " + a.problem() + (a.error() == null ? "" : ": " + a.error()) : a.error();
            answer = answer == null ? "" : answer.replace('\n', ' ').replace("\u0000", "\\u0000");
            System.out.printf("%-56s %-30s %6d  %s%n", a.endpoint(), a.input(), a.status(),
                    answer.length() > 110 ? answer.substring(0, 107) + "..." : answer);
        }
        long c4xx = attempts.stream().filter(a -> a.status() >= 400 && a.status() < 500).count();
        long c5xx = attempts.stream().filter(a -> a.status() >= 500).count();
        List<Attempt> failed = attempts.stream().filter(a -> a.problem() != null).toList();
        long inputs = attempts.stream().map(Attempt::input).distinct().count();
        System.out.printf("%s: %d operations (path x method) in the OpenAPI document, %d kinds of bad input, %d requests: "
                        + "%d 4xx, %d 5xx, %d other; %d answers not a 4xx JSON message naming the problem%n%n",
                service, operations, inputs, attempts.size(), c4xx, c5xx, attempts.size() - c4xx - c5xx, failed.size());
        return failed;
    }
}

package dev.tablease.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tablease.serve.internal.Route;
import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document ({@code dev/tablease/serve/openapi.yaml}) and the server agree: the same operations; each
 * request schema names exactly the fields its route reads and the server requires exactly the documented ones;
 * and against a real server on real Chromium, every documented status of every operation is produced, and every
 * answer has a documented status and matches its schema (required fields, types, no undocumented field).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenApiConformanceTest {

    private static ChromiumProcess chromium;
    private static JsonNode spec;
    private static SchemaCheck schemas;

    @BeforeAll
    static void setUp() throws Exception {
        try (InputStream in = LeaseServer.class.getResourceAsStream("openapi.yaml")) {
            spec = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        schemas = new SchemaCheck(spec);
        chromium = ChromiumProcess.start();
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
        }
    }

    private static Set<String> documentedOperations() {
        Set<String> ops = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> ops.add(m.toUpperCase() + " " + p.getKey()));
        }
        return ops;
    }

    private static JsonNode operation(Route r) {
        return spec.path("paths").path(r.path()).path(r.method().toLowerCase());
    }

    private static JsonNode requestSchema(Route r) {
        return schemas.resolve(operation(r).path("requestBody").path("content").path("application/json").path("schema"));
    }

    /** The CDP socket's upgrade: served by the WebSocket handler, not a {@link Route}. */
    static final String CDP_OPERATION = "GET /v1/cdp/{sessionId}/{token}";

    /** The acquire that is the CDP socket's upgrade: served by the WebSocket handler, not a {@link Route}. */
    static final String ACQUIRE_CDP_OPERATION = "GET /v1/acquire/cdp";

    @Test
    void everyDocumentedOperationIsServed_andEveryServedRouteIsDocumented() {
        Set<String> served = Arrays.stream(Route.values()).map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));
        served.add(CDP_OPERATION);
        served.add(ACQUIRE_CDP_OPERATION);
        assertEquals(served, documentedOperations());
    }

    @Test
    @Timeout(60)
    void theCdpUpgrade_producesEveryDocumentedStatus_andEveryRefusalMatchesItsSchema() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(List.of(), schemas.problems(schemas.resolve(spec.path("components").path("schemas")
                    .path("Granted")), a.body()), "the grant and its cdpUrl: " + a);
            f.beating("s1", a.num("token"));
            String url = a.str("cdpUrl");
            String base = url.substring(0, url.indexOf("/v1/cdp/"));
            String bearer = f.server.bearerToken();
            List<CdpClient.Upgrade> seen = List.of(
                    CdpClient.rawUpgrade(url, bearer),
                    CdpClient.rawUpgrade(url, null),
                    CdpClient.rawUpgrade(base + "/v1/cdp/s1/x", bearer),
                    CdpClient.rawUpgrade(base + "/v1/cdp/nobody/" + a.num("token"), bearer),
                    CdpClient.rawUpgrade(base + "/v1/cdp/s1/" + (a.num("token") + 7), bearer));
            assertEveryDocumentedStatus(spec.path("paths").path("/v1/cdp/{sessionId}/{token}").path("get"), seen);
        }
    }

    /**
     * Every upgrade answered a documented status of {@code operation}, each refusal's body matches its schema, and
     * every documented status (but {@code default}) was produced.
     */
    private static void assertEveryDocumentedStatus(JsonNode operation, List<CdpClient.Upgrade> seen) throws Exception {
        JsonNode responses = operation.path("responses");
        Set<String> produced = new TreeSet<>();
        for (CdpClient.Upgrade u : seen) {
            JsonNode response = responses.path(Integer.toString(u.status()));
            assertFalse(response.isMissingNode(), "undocumented status " + u);
            produced.add(Integer.toString(u.status()));
            if (u.status() != 101) {
                JsonNode schema = schemas.resolve(response).path("content").path("application/json").path("schema");
                assertEquals(List.of(), schemas.problems(schema, u.json()), u.toString());
            }
        }
        Set<String> documented = new TreeSet<>();
        responses.fieldNames().forEachRemaining(documented::add);
        documented.remove("default");
        assertEquals(documented, produced);
    }

    @Test
    @Timeout(60)
    void theAcquireWithCdpUpgrade_producesEveryDocumentedStatus_andEveryAnswerMatchesItsSchema() throws Exception {
        JsonNode op = spec.path("paths").path("/v1/acquire/cdp").path("get");
        Set<String> parameters = new TreeSet<>();
        op.path("parameters").forEach(p -> parameters.add(p.path("name").asText()));
        assertEquals(new TreeSet<>(Set.of("sessionId", "key", "holder", "requestClass")), parameters,
                "the parameters are the string fields of AcquireRequest");
        List<CdpClient.Upgrade> seen = new ArrayList<>();
        List<JsonNode> grants = new ArrayList<>();
        try (ServeFixture f = ServeFixture.start(chromium)) {
            String base = f.server.uri().toString().replace("http://", "ws://") + "/v1/acquire/cdp?";
            String bearer = f.server.bearerToken();
            Api.Reply a = f.api.acquire("s1", "chatgpt", "first", 10_000);
            f.api.release("s1", a.num("token"), "DETACH");
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s1&key=chatgpt&holder=again", bearer,
                    (headers, in) -> grants.add(Api.JSON.readTree(headers.get("tablease-grant")))));   // 101
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s2&key=chatgpt&holder=b", bearer));   // 202
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s3&key=chatgpt&holder=c", bearer));   // 409 QUEUE_FULL
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s1&key=claude&holder=c", bearer));    // 409 KEY_MISMATCH
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s4&holder=c", bearer));                // 400
            seen.add(CdpClient.rawUpgrade(base + "sessionId=s4&key=chatgpt&holder=c", null));      // 401
        }
        try (ServeFixture slow = ServeFixture.start(chromium, ServeFixture.kernel().build(),
                c -> c.withMaxRequestsPerSecond(1))) {
            String url = slow.server.uri().toString().replace("http://", "ws://") + "/v1/acquire/cdp?sessionId=s&key=k&holder=h";
            CdpClient.Upgrade last = null;
            for (int i = 0; i < 5 && (last == null || last.status() != 429); i++) {
                last = CdpClient.rawUpgrade(url, null);
                seen.add(last);
            }
            assertEquals(429, last.status(), last.toString());
            assertEquals("1", last.headers().get("retry-after"));
        }
        assertEquals(1, grants.size());
        assertEquals(List.of(), schemas.problems(schemas.resolve(spec.path("components").path("schemas")
                .path("Granted")), grants.get(0)), "the Tablease-Grant header: " + grants.get(0));
        assertEveryDocumentedStatus(op, seen);
    }

    @Test
    void requestSchemas_nameExactlyTheFieldsEachRouteReads() {
        for (Route r : Route.values()) {
            Set<String> documented = new TreeSet<>();
            requestSchema(r).path("properties").fieldNames().forEachRemaining(documented::add);
            assertEquals(new TreeSet<>(r.fields()), documented, r.toString());
            if (r.method().equals("POST")) {
                assertTrue(operation(r).path("requestBody").path("required").asBoolean(), r + " needs a body");
                assertEquals(false, requestSchema(r).path("additionalProperties").asBoolean(true), r + " is closed");
            }
        }
    }

    @Test
    void errorCodes_ofTheDocumentAreExactlyTheServicesCodes() {
        Set<String> documented = new TreeSet<>();
        spec.path("components").path("schemas").path("ErrorCode").path("enum").forEach(n -> documented.add(n.asText()));
        assertEquals(Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new)),
                documented);
    }

    /** A valid body of each POST route, for the session {@code s9} (not acquired by the scenario). */
    private static Map<Route, String> validBodies(long token, long requestId) {
        return Map.of(
                Route.ACQUIRE, "{\"sessionId\":\"s9\",\"key\":\"other\",\"holder\":\"h\",\"requestClass\":\"default\",\"waitMillis\":0}",
                Route.WAIT, "{\"requestId\":" + requestId + ",\"waitMillis\":0}",
                Route.CANCEL, "{\"requestId\":" + requestId + "}",
                Route.HEARTBEAT, "{\"sessionId\":\"s1\",\"token\":" + token + "}",
                Route.RELEASE, "{\"sessionId\":\"s1\",\"token\":" + token + ",\"outcome\":\"DETACH\"}",
                Route.UPDATE, "{\"sessionId\":\"s1\",\"token\":" + token + ",\"conversationUrl\":\"https://c.example/c/1\"}");
    }

    @Test
    @Timeout(90)
    void theServer_producesEveryDocumentedStatus_andEveryAnswerMatchesItsSchema() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().build(), c -> c.withMaxBodyBytes(4096))) {
            List<Api.Reply> seen = new ArrayList<>();
            Api api = f.api;
            // the lease flows: 200/202/409 of acquire and wait, 200/404/409 of the fenced calls, cancel
            Api.Reply a = rec(seen, api.acquire("s1", "chatgpt", "agent-a", 10_000));
            long token = a.num("token");
            AutoCloseable beat = api.beating("s1", token);
            try {
                Api.Reply q = rec(seen, api.acquire("s2", "chatgpt", "agent-b", 0));
                rec(seen, api.await(q.num("requestId"), 100));
                rec(seen, api.acquire("s3", "chatgpt", "agent-c", 0));             // 409 QUEUE_FULL
                rec(seen, api.post("/v1/acquire", Map.of("sessionId", "s1", "key", "claude", "holder", "x"))); // 409 KEY_MISMATCH
                rec(seen, api.heartbeat("s1", token));
                rec(seen, api.update("s1", token, "https://chat.example/c/1"));
                rec(seen, api.status());
                rec(seen, api.get("/metrics"));
                rec(seen, api.get("/v1/timeline"));
                for (String path : List.of("/v1/heartbeat", "/v1/release", "/v1/update")) {
                    Map<String, Object> stale = new java.util.HashMap<>(Map.of("sessionId", "s1", "token", token + 100));
                    Map<String, Object> unknown = new java.util.HashMap<>(Map.of("sessionId", "nobody", "token", token));
                    if (path.equals("/v1/release")) {
                        stale.put("outcome", "DETACH");
                        unknown.put("outcome", "DETACH");
                    }
                    if (path.equals("/v1/update")) {
                        stale.put("conversationUrl", "https://chat.example/c/2");
                        unknown.put("conversationUrl", "https://chat.example/c/2");
                    }
                    rec(seen, api.post(path, stale));
                    rec(seen, api.post(path, unknown));
                }
                rec(seen, api.get("/v1/events"));                                  // 400
                rec(seen, api.get("/v1/events?requestId=987654"));                 // 404
                rec(seen, api.await(987_654, 0));
                rec(seen, api.cancel(987_654));
                Api.Reply c = rec(seen, api.cancel(q.num("requestId")));
                assertEquals("WITHDRAWN", c.str("result"), c.toString());
                rec(seen, api.await(q.num("requestId"), 0));                       // 409 CANCELLED
                rec(seen, api.get("/v1/events?requestId=" + q.num("requestId")));  // 200: the settled rejection
                Api.Reply q2 = rec(seen, api.acquire("s4", "chatgpt", "agent-d", 0));
                beat.close();
                rec(seen, api.release("s1", token, "COMPLETED"));
                rec(seen, api.await(q2.num("requestId"), 20_000));                // 200 granted
                // 400, 401, 413, 415 on every route
                Map<Route, String> valid = validBodies(token, q2.num("requestId"));
                for (Route r : Route.values()) {
                    rec(seen, api.withToken(null).send(body(api.withToken(null), r, valid.get(r), "application/json")));
                    if (!r.method().equals("POST")) {
                        continue;
                    }
                    rec(seen, api.send(body(api, r, "{\"x\":" + "1".repeat(5000) + "}", "application/json")));
                    rec(seen, api.send(body(api, r, valid.get(r), "text/plain")));
                    // every documented required field is required by the server
                    for (JsonNode req : requestSchema(r).path("required")) {
                        ObjectNode without = (ObjectNode) Api.JSON.readTree(valid.get(r));
                        without.remove(req.asText());
                        Api.Reply missing = rec(seen, api.send(body(api, r, without.toString(), "application/json")));
                        assertEquals(400, missing.status(), r + " without " + req + ": " + missing);
                    }
                }
            } finally {
                beat.close();
            }
            // 429 on every route: a second service bounded to one request per second (checked before the token)
            try (ServeFixture slow = ServeFixture.start(chromium, ServeFixture.kernel().build(),
                    c -> c.withMaxRequestsPerSecond(1))) {
                Api anonymous = slow.api.withToken(null);
                for (Route r : Route.values()) {
                    Api.Reply last = null;
                    for (int i = 0; i < 5 && (last == null || last.status() != 429); i++) {
                        last = rec(seen, anonymous.send(body(anonymous, r, validBodies(1, 1).getOrDefault(r, "{}"),
                                "application/json")));
                    }
                    assertEquals(429, last.status(), r + ": " + last);
                    assertEquals("1", last.raw().headers().firstValue("Retry-After").orElse(null));
                }
            }
            // every answer: a documented status, a body that matches the documented schema
            Set<String> produced = new TreeSet<>();
            for (Api.Reply r : seen) {
                String method = r.raw().request().method();
                String path = r.raw().uri().getPath();
                JsonNode op = spec.path("paths").path(path).path(method.toLowerCase());
                assertTrue(!op.isMissingNode(), "undocumented operation " + method + " " + path);
                JsonNode response = op.path("responses").path(Integer.toString(r.status()));
                boolean explicit = !response.isMissingNode();
                if (!explicit) {
                    assertTrue(r.status() >= 500, method + " " + path + " answered an undocumented " + r);
                    response = op.path("responses").path("default");
                }
                response = schemas.resolve(response);
                String type = r.raw().headers().firstValue("Content-Type").orElse("");
                if (!type.startsWith("application/json")) { // a page or the metrics: the documented media type
                    String media = type.split(";")[0].trim();
                    assertTrue(response.path("content").has(media), method + " " + path + " answered " + type);
                    produced.add(method + " " + path + " " + r.status());
                    continue;
                }
                JsonNode schema = response.path("content").path("application/json").path("schema");
                List<String> problems = schemas.problems(schema, r.body());
                assertEquals(List.of(), problems, method + " " + path + " " + r);
                if (explicit) {
                    produced.add(method + " " + path + " " + r.status());
                }
            }
            Set<String> documented = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                for (Iterator<Map.Entry<String, JsonNode>> ms = p.getValue().properties().iterator(); ms.hasNext(); ) {
                    Map.Entry<String, JsonNode> m = ms.next();
                    m.getValue().path("responses").fieldNames().forEachRemaining(code -> {
                        if (!code.equals("default")) {
                            documented.add(m.getKey().toUpperCase() + " " + p.getKey() + " " + code);
                        }
                    });
                }
            }
            // theCdpUpgrade_… and theAcquireWithCdpUpgrade_… produce those
            documented.removeIf(d -> d.startsWith(CDP_OPERATION + " ") || d.startsWith(ACQUIRE_CDP_OPERATION + " "));
            Set<String> neverProduced = new TreeSet<>(documented);
            neverProduced.removeAll(produced);
            assertEquals(Set.of(), neverProduced, "documented statuses the scenario never produced");
        }
    }

    private static HttpRequest body(Api api, Route r, String body, String type) {
        HttpRequest.Builder b = api.request(r.path());
        return r.method().equals("GET") ? b.GET().build()
                : b.header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static Api.Reply rec(List<Api.Reply> seen, Api.Reply r) {
        seen.add(r);
        return r;
    }
}

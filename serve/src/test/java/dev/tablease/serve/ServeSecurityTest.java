package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import dev.tablease.kernel.KernelState;
import dev.tablease.serve.internal.Route;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security and hygiene over real HTTP: the bearer token on every route, its 0600 file, the loopback bind and the
 * explicit flag for any other, bounded bodies, and typed errors (never a stack trace) for bad input that leave the
 * kernel's state unchanged.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeSecurityTest extends OnChromium {

    @Test
    @Timeout(60)
    void everyRoute_refusesAMissingOrWrongBearerTokenWith401AndChangesNothing() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            for (Api client : List.of(f.api.withToken(null), f.api.withToken("not-the-token"),
                    f.api.withToken(f.server.bearerToken() + "x"))) {
                for (Route r : Route.values()) {
                    HttpRequest.Builder b = client.request(r.path());
                    HttpRequest req = r.method().equals("GET") ? b.GET().build()
                            : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"sessionId\":\"s1\",\"key\":\"k\",\"holder\":\"h\",\"waitMillis\":0}")).build();
                    Api.Reply reply = client.send(req);
                    assertEquals(401, reply.status(), r + ": " + reply);
                    assertEquals("UNAUTHORIZED", reply.code());
                    assertEquals("Bearer", reply.raw().headers().firstValue("WWW-Authenticate").orElse(null));
                }
            }
            // an unknown path is no oracle either: 401 before 404
            assertEquals(401, f.api.withToken(null).get("/v1/nope").status());
            assertTrue(f.store.snapshot().sessions().isEmpty(), "nothing was acquired");
            assertEquals(200, f.api.status().status(), "the right token works");
        }
    }

    @Test
    @Timeout(60)
    void tokenFile_holdsTheTokenReadableByTheOwnerOnlyAndIsDeletedOnClose() throws Exception {
        Path file;
        try (ServeFixture f = ServeFixture.start(chromium)) {
            file = f.server.config().tokenFile();
            assertEquals(f.server.bearerToken(), Files.readString(file, StandardCharsets.UTF_8).trim());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertTrue(f.server.bearerToken().length() >= 43, "256 random bits");
            try (ServeFixture g = ServeFixture.start(chromium)) {
                assertFalse(g.server.bearerToken().equals(f.server.bearerToken()), "a new token at every start");
            }
            f.server.close();
            assertFalse(Files.exists(file), "deleted on close");
        }
    }

    @Test
    @Timeout(60)
    void defaultBind_isLoopbackOnly() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            assertEquals("127.0.0.1", f.server.uri().getHost());
            InetAddress other = nonLoopbackAddress();
            Assumptions.assumeTrue(other != null, "this machine has no non-loopback IPv4 address");
            try (Socket s = new Socket()) {
                assertThrows(java.io.IOException.class, () -> s.connect(new InetSocketAddress(other, f.server.port()), 2_000),
                        "not reachable on " + other);
            }
        }
    }

    @Test
    void nonLoopbackBind_needsTheExplicitFlag() {
        Path tokenFile = Path.of("unused.token");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.loopback(tokenFile).withHost("0.0.0.0", false));
        assertTrue(e.getMessage().contains("allowNonLoopback"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServeConfig.loopback(tokenFile).withHost("192.0.2.1", false));
        assertEquals("0.0.0.0", ServeConfig.loopback(tokenFile).withHost("0.0.0.0", true).host());
        assertEquals("::1", ServeConfig.loopback(tokenFile).withHost("::1", false).host(), "IPv6 loopback is loopback");
    }

    @Test
    @Timeout(60)
    void nonLoopbackBind_withTheFlagStillRequiresTheToken() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().build(), c -> c.withHost("0.0.0.0", true))) {
            Api viaLoopback = new Api(java.net.URI.create("http://127.0.0.1:" + f.server.port()), f.server.bearerToken());
            assertEquals(200, viaLoopback.status().status());
            assertEquals(401, viaLoopback.withToken(null).status().status());
        }
    }

    @Test
    @Timeout(60)
    void bodiesOverTheBound_areRefused413WhetherDeclaredOrChunked() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().build(), c -> c.withMaxBodyBytes(1024))) {
            String big = "{\"sessionId\":\"" + "x".repeat(2000) + "\",\"key\":\"k\",\"holder\":\"h\"}";
            Api.Reply declared = f.api.postRaw("/v1/acquire", big);
            assertEquals(413, declared.status(), declared.toString());
            assertEquals("PAYLOAD_TOO_LARGE", declared.code());
            byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
            Api.Reply chunked = f.api.send(f.api.request("/v1/acquire").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());
            assertEquals(413, chunked.status(), chunked.toString());
            assertEquals("PAYLOAD_TOO_LARGE", chunked.code());
            assertTrue(f.store.snapshot().sessions().isEmpty());
            Api.Reply small = f.api.acquire("s1", "k", "h", 10_000);
            assertEquals(200, small.status(), "a body under the bound is served: " + small);
        }
    }

    @Test
    @Timeout(60)
    void waitingAcquires_areBoundedBeforeTheyReachTheKernel() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().globalMax(1).build(), c -> c.withMaxWaiting(1))) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            Api.Reply q = f.api.acquire("s2", "claude", "agent-b", 0);
            assertEquals(202, q.status(), q.toString());
            Api.Reply over = f.api.acquire("s3", "gemini", "agent-c", 0);
            assertEquals(503, over.status(), over.toString());
            assertEquals("UNAVAILABLE", over.code());
            assertTrue(f.store.snapshot().sessions().stream().noneMatch(s -> s.sessionId().equals("s3")),
                    "the kernel never saw it");
            assertEquals(200, f.api.cancel(q.num("requestId")).status());
            Api.Reply room = f.api.acquire("s3", "gemini", "agent-c", 0);
            assertEquals(202, room.status(), "room again after the cancel: " + room);
        }
    }

    @Test
    @Timeout(60)
    void badInput_isATypedErrorWithoutStackTraceAndLeavesTheStateUnchanged() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply g = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, g.status(), g.toString());
            long token = g.num("token");
            KernelState before = f.store.snapshot();
            record Case(String path, String body, int status, String code) {
            }
            List<Case> cases = List.of(
                    new Case("/v1/acquire", "not json", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "[1,2]", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s9\",\"key\":\"k\",\"holder\":\"h\"} {}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"key\":\"k\",\"holder\":\"h\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":7,\"key\":\"k\",\"holder\":\"h\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\" \",\"key\":\"k\",\"holder\":\"h\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s9\",\"key\":\"k\",\"holder\":\"h\",\"waitMillis\":-1}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s9\",\"key\":\"k\",\"holder\":\"h\",\"waitMillis\":1.5}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s9\",\"key\":\"k\",\"holder\":\"h\",\"tokn\":1}", 400, "BAD_REQUEST"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s9\",\"key\":\"k\",\"holder\":\"h\",\"requestClass\":\"ultra\"}", 400, "UNKNOWN_REQUEST_CLASS"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s1\",\"key\":\"claude\",\"holder\":\"h\",\"waitMillis\":0}", 409, "KEY_MISMATCH"),
                    new Case("/v1/acquire", "{\"sessionId\":\"s1\",\"key\":\"chatgpt\",\"holder\":\"h\",\"requestClass\":\"pro\",\"waitMillis\":0}", 409, "CLASS_MISMATCH"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"s1\",\"token\":0}", 400, "BAD_REQUEST"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"s1\",\"token\":\"" + token + "\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"s1\",\"token\":-5}", 400, "BAD_REQUEST"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"s1\",\"token\":99999999999999999999999}", 400, "BAD_REQUEST"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"nobody\",\"token\":" + token + "}", 404, "UNKNOWN_SESSION"),
                    new Case("/v1/heartbeat", "{\"sessionId\":\"s1\",\"token\":" + (token + 1) + "}", 409, "STALE_TOKEN"),
                    new Case("/v1/release", "{\"sessionId\":\"s1\",\"token\":" + token + ",\"outcome\":\"DONE\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/release", "{\"sessionId\":\"s1\",\"token\":" + token + "}", 400, "BAD_REQUEST"),
                    new Case("/v1/update", "{\"sessionId\":\"s1\",\"token\":" + token + ",\"conversationUrl\":\"javascript:alert(1)\"}", 400, "BAD_REQUEST"),
                    new Case("/v1/update", "{\"sessionId\":\"s1\",\"token\":" + token + ",\"conversationUrl\":42}", 400, "BAD_REQUEST"),
                    new Case("/v1/wait", "{\"requestId\":123456}", 404, "UNKNOWN_REQUEST"),
                    new Case("/v1/wait", "{\"requestId\":0}", 400, "BAD_REQUEST"),
                    new Case("/v1/cancel", "{\"requestId\":123456}", 404, "UNKNOWN_REQUEST"),
                    new Case("/v1/cancel", "{}", 400, "BAD_REQUEST"),
                    new Case("/v1/nothing", "{}", 404, "NOT_FOUND"));
            for (Case c : cases) {
                Api.Reply r = f.api.postRaw(c.path(), c.body());
                assertEquals(c.status(), r.status(), c + " -> " + r);
                assertEquals(c.code(), r.code(), c + " -> " + r);
                assertTrue(r.str("message") != null && !r.str("message").isBlank(), c + " has a message");
                assertFalse(r.text().contains("Exception") || r.text().contains("\tat ") || r.text().contains(".java:"),
                        "no stack trace: " + r);
            }
            Api.Reply wrongMethod = f.api.get("/v1/acquire");
            assertEquals(405, wrongMethod.status());
            assertEquals("METHOD_NOT_ALLOWED", wrongMethod.code());
            Api.Reply wrongType = f.api.send(f.api.request("/v1/heartbeat").header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertEquals(415, wrongType.status());
            assertEquals("UNSUPPORTED_MEDIA_TYPE", wrongType.code());

            KernelState after = f.store.snapshot();
            assertEquals(before.sessions(), after.sessions(), "no session changed");
            assertEquals(before.tabs(), after.tabs(), "no tab changed");
            assertEquals(before.nextToken(), after.nextToken(), "no token was granted");
            assertEquals(200, f.api.heartbeat("s1", token).status(), "the lease is intact");
        }
    }

    @Test
    @Timeout(60)
    void jettysOwnErrors_areTypedJsonToo() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            try (Socket s = new Socket("127.0.0.1", f.server.port())) {
                s.getOutputStream().write(("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024)
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                assertEquals("PAYLOAD_TOO_LARGE", Api.JSON.readTree(body).path("code").asText(), body);
            }
        }
    }

    private static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        return null;
    }
}

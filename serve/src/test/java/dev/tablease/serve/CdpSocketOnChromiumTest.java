package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tablease.testkit.Cdp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-lease CDP socket against a real service and a real headless Chromium: it drives its own tab (and only
 * it), refuses upgrades without the bearer or with a stale token, refuses commands that reach beyond the tab,
 * answers malformed frames and stays usable, and is closed with a code saying why the moment the lease ends.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CdpSocketOnChromiumTest extends OnChromium {

    /** @return the target's {@code targetInfo} as the browser lists it, or a missing node */
    static JsonNode targetInfo(String targetId) throws Exception {
        JsonNode r = Api.JSON.readTree(Cdp.call(chromium.browserWebSocket(), "Target.getTargets", "{}"));
        for (JsonNode t : r.path("result").path("targetInfos")) {
            if (t.path("targetId").asText().equals(targetId)) {
                return t;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    @Test
    @Timeout(60)
    void grantedCdpUrl_evaluatesAndNavigatesItsOwnTabOnly_withFragmentedMessagesJoined() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s 1/a", "chatgpt", "agent-a", 10_000);
            f.beating("s 1/a", a.num("token"));
            Api.Reply b = f.api.acquire("s2", "claude", "agent-b", 10_000);
            assertEquals(200, a.status(), a.toString());
            assertEquals(200, b.status(), b.toString());
            String url = a.str("cdpUrl");
            assertEquals(f.server.uri().toString().replace("http://", "ws://") + "/v1/cdp/"
                    + URLEncoder.encode("s 1/a", StandardCharsets.UTF_8).replace("+", "%20") + "/" + a.num("token"), url);
            try (CdpClient c = CdpClient.open(url, f.server.bearerToken())) {
                assertEquals(2, c.evaluate("1+1").asInt());
                JsonNode nav = c.call("Page.navigate", "{\"url\":\"data:text/html,<title>lease-a</title>\"}");
                assertTrue(nav.path("result").has("frameId"), nav.toString());
                assertEquals(a.str("targetId"), nav.path("result").path("frameId").asText(),
                        "the main frame of a page is its target: the socket drives the granted tab");
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!targetInfo(a.str("targetId")).path("title").asText().equals("lease-a") && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                assertEquals("lease-a", targetInfo(a.str("targetId")).path("title").asText());
                assertFalse(targetInfo(b.str("targetId")).path("title").asText().equals("lease-a"), "the other tab is untouched");

                // a message in two fragments is one message
                c.ws.sendText("{\"id\":7,\"method\":\"Runtime.eval", false).get(5, TimeUnit.SECONDS);
                c.ws.sendText("uate\",\"params\":{\"expression\":\"3*3\",\"returnByValue\":true}}", true).get(5, TimeUnit.SECONDS);
                assertEquals(9, c.reply(7).path("result").path("result").path("value").asInt());

                // events come through: Runtime.enable reports the page's execution context
                c.call("Runtime.enable", "{}");
                JsonNode ev = c.events.poll(10, TimeUnit.SECONDS);
                assertEquals("Runtime.executionContextCreated", ev == null ? null : ev.path("method").asText());
            }
        }
    }

    @Test
    @Timeout(60)
    void upgrade_withoutTheBearerOrWithAStaleOrForeignToken_isRefusedWithATypedJsonError() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            Api.Reply b = f.api.acquire("s2", "claude", "agent-b", 10_000);
            AutoCloseable beating = f.api.beating("s1", a.num("token"));
            String url = a.str("cdpUrl");
            String base = url.substring(0, url.indexOf("/v1/cdp/"));
            String bearer = f.server.bearerToken();

            expect(CdpClient.rawUpgrade(url, null), 401, "UNAUTHORIZED");
            expect(CdpClient.rawUpgrade(url, "not-the-token"), 401, "UNAUTHORIZED");
            expect(CdpClient.rawUpgrade(base + "/v1/cdp/s1/" + (b.num("token") + 1000), bearer), 409, "STALE_TOKEN");
            expect(CdpClient.rawUpgrade(base + "/v1/cdp/s1/" + b.num("token"), bearer), 409, "STALE_TOKEN");
            expect(CdpClient.rawUpgrade(base + "/v1/cdp/nobody/" + a.num("token"), bearer), 404, "UNKNOWN_SESSION");
            expect(CdpClient.rawUpgrade(base + "/v1/cdp/s1/abc", bearer), 400, "BAD_REQUEST");
            expect(CdpClient.rawUpgrade(base + "/v1/cdp/s1", bearer), 400, "BAD_REQUEST");
            Api.Reply plain = f.api.get("/v1/cdp/s1/" + a.num("token"));
            assertEquals(400, plain.status(), "a GET without the upgrade: " + plain);
            assertEquals(101, CdpClient.rawUpgrade(url, bearer).status(), "the right bearer and token upgrade");
            assertEquals(200, f.api.heartbeat("s1", a.num("token")).status(), "the refusals changed nothing");
            beating.close();
        }
    }

    private static void expect(CdpClient.Upgrade u, int status, String code) throws Exception {
        assertEquals(status, u.status(), u.toString());
        assertEquals(code, u.json().path("code").asText(), u.toString());
        assertFalse(u.json().path("message").asText().isBlank(), u.toString());
    }

    @Test
    @Timeout(60)
    void release_closesTheSocketWith4000AndTheOutcome_andTheStaleTokenCannotReconnect() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken());
                 CdpClient c2 = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                assertEquals(2, c.evaluate("1+1").asInt());
                assertEquals(2, c2.evaluate("1+1").asInt(), "a lease may have several sockets");
                assertEquals(200, f.api.release("s1", a.num("token"), "DETACH").status());
                CdpClient.Closed closed = c.awaitClosed(5_000);
                assertEquals(new CdpClient.Closed(4000, "lease ended: released DETACH"), closed);
                assertEquals(new CdpClient.Closed(4000, "lease ended: released DETACH"), c2.awaitClosed(5_000));
            }
            expect(CdpClient.rawUpgrade(a.str("cdpUrl"), f.server.bearerToken()), 409, "STALE_TOKEN");

            Api.Reply again = f.api.acquire("s1", "chatgpt", "agent-b", 10_000);
            try (CdpClient c = CdpClient.open(again.str("cdpUrl"), f.server.bearerToken())) {
                assertEquals(2, c.evaluate("1+1").asInt());
                assertEquals(200, f.api.release("s1", again.num("token"), "COMPLETED").status());
                assertEquals(new CdpClient.Closed(4000, "lease ended: released COMPLETED"), c.awaitClosed(5_000));
            }
        }
    }

    @Test
    @Timeout(60)
    void missedHeartbeats_closeTheSocketWith4001HeartbeatMissed_withinThePollIntervalAfterTheTimeout() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                assertEquals(2, c.evaluate("1+1").asInt());
                long expiresAt = a.num("expiresAt");
                CdpClient.Closed closed = c.awaitClosed(10_000); // no beat: the lease lapses 800 ms after the grant
                long late = System.currentTimeMillis() - expiresAt;
                assertEquals(new CdpClient.Closed(4001, "lease ended: HEARTBEAT_MISSED"), closed);
                // the tick that revokes runs every 50 ms: a bound far above it, not a timing measurement
                assertTrue(late < 2_000, "closed " + late + " ms after the expiry");
            }
            expect(CdpClient.rawUpgrade(a.str("cdpUrl"), f.server.bearerToken()), 409, "STALE_TOKEN");
        }
    }

    @Test
    @Timeout(60)
    void tabGone_closesTheSocket() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken());
                 AutoCloseable beating = f.api.beating("s1", a.num("token"))) {
                assertEquals(2, c.evaluate("1+1").asInt());
                assertFalse(c.closed.isDone(), "beaten: " + beating);
                Cdp.closeTarget(chromium, a.str("targetId"));
                CdpClient.Closed closed = c.awaitClosed(10_000);
                assertTrue(closed.code() == 4001 && closed.reason().equals("lease ended: TAB_GONE")
                        || closed.code() == 4003, closed.toString());
            }
        }
    }

    @Test
    @Timeout(60)
    void commandsReachingBeyondTheTab_areRefusedByTheProxy_andTheBrowserKeepsItsTabs() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            f.beating("s1", a.num("token"));
            Api.Reply b = f.api.acquire("s2", "claude", "agent-b", 10_000);
            List<String> before = Cdp.pageTargets(chromium.browserWebSocket());
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                for (String[] m : new String[][]{
                        {"Target.createTarget", "{\"url\":\"about:blank\"}"},
                        {"Target.closeTarget", "{\"targetId\":\"" + b.str("targetId") + "\"}"},
                        {"Target.attachToTarget", "{\"targetId\":\"" + b.str("targetId") + "\",\"flatten\":true}"},
                        {"Target.setAutoAttach", "{\"autoAttach\":true,\"waitForDebuggerOnStart\":false}"},
                        {"Browser.close", "{}"},
                        {"Page.close", "{}"},
                        {"Page.crash", "{}"},
                        {"SystemInfo.getInfo", "{}"},
                        {"Storage.clearDataForOrigin", "{\"origin\":\"*\",\"storageTypes\":\"all\"}"},
                        {"Network.clearBrowserCookies", "{}"},
                        {"Tethering.bind", "{\"port\":9999}"},
                        {"NoSuch.domain", "{}"}}) {
                    JsonNode r = c.call(m[0], m[1]);
                    assertEquals(-32601, r.path("error").path("code").asInt(), m[0] + ": " + r);
                    assertTrue(r.path("error").path("message").asText().startsWith("tablease: " + m[0]
                            + " is refused on a lease's CDP socket: "), r.toString());
                }
                c.send("{\"id\":55,\"sessionId\":\"ABC\",\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}");
                assertEquals(-32601, c.reply(55).path("error").path("code").asInt());
                assertEquals(2, c.evaluate("1+1").asInt(), "the socket stays usable");
            }
            assertEquals(before, Cdp.pageTargets(chromium.browserWebSocket()), "no tab opened or closed");
            assertEquals(200, f.api.heartbeat("s2", b.num("token")).status(), "the other lease is untouched");
        }
    }

    @Test
    @Timeout(60)
    void malformedFrames_getACdpStyleError_andTheSocketStaysUsable() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            f.beating("s1", a.num("token"));
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                c.send("this is not JSON");
                assertEquals(-32700, c.reply(-1).path("error").path("code").asInt());
                for (String bad : List.of("[1,2]", "{}", "{\"method\":\"Runtime.evaluate\"}", "{\"id\":\"x\",\"method\":\"Runtime.evaluate\"}")) {
                    c.send(bad);
                    c.sendBinary(new byte[]{1, 2, 3});
                }
                c.send("{\"id\":61}");
                JsonNode noMethod = c.reply(61);
                assertEquals(-32600, noMethod.path("error").path("code").asInt(), noMethod.toString());
                c.send("{\"id\":62,\"method\":\"Runtime.evaluate\",\"params\":[1]}");
                assertEquals(-32600, c.reply(62).path("error").path("code").asInt());
                assertEquals(2, c.evaluate("1+1").asInt(), "the socket stays usable");
                assertFalse(c.closed.isDone());
            }
        }
    }

    @Test
    @Timeout(60)
    void serviceClose_closesTheSocketsWith1001() throws Exception {
        ServeFixture f = ServeFixture.start(chromium);
        try {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            f.beating("s1", a.num("token"));
            try (CdpClient c = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                assertEquals(2, c.evaluate("1+1").asInt());
                f.server.close();
                assertEquals(new CdpClient.Closed(1001, "the service is stopping"), c.awaitClosed(10_000));
            }
        } finally {
            f.close();
        }
    }
}

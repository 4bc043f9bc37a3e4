package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/acquire/cdp}, the acquire that is also the CDP socket's upgrade, against a real service and a real
 * headless Chromium: a grant at once is the {@code 101} with the grant in its {@code Tablease-Grant} header, and the
 * socket is that lease's (it drives the tab, and is closed when the lease ends); a queued or rejected acquire is
 * answered as {@code POST /v1/acquire} answers it, with no upgrade; a bad query, a missing bearer and a plain GET are
 * typed errors that acquire nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AcquireWithCdpOnChromiumTest extends OnChromium {

    private static String url(ServeFixture f, String query) {
        return f.server.uri().toString().replace("http://", "ws://") + "/v1/acquire/cdp?" + query;
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Makes {@code session} a detached session of {@code key}: its tab stays reserved for it, so its next acquire is
     * granted at once (a new session's first acquire waits for a tab to open: {@code 202}).
     */
    private static void detached(ServeFixture f, String session, String key) throws Exception {
        Api.Reply a = f.api.acquire(session, key, "first driver", 10_000);
        assertEquals(200, a.status(), a.toString());
        assertEquals(200, f.api.release(session, a.num("token"), "DETACH").status());
    }

    @Test
    @Timeout(60)
    void aGrantAtOnce_isTheUpgrade_withTheGrantInItsHeader_andItsSocketClosesWhenTheLeaseEnds() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            detached(f, "s 1/ü", "chatgpt");
            AtomicReference<JsonNode> grant = new AtomicReference<>();
            AtomicReference<CdpClient.Closed> closed = new AtomicReference<>();
            CdpClient.Upgrade u = CdpClient.rawUpgrade(url(f, "sessionId=" + q("s 1/ü") + "&key=chatgpt&holder="
                    + q("agent ä")), f.server.bearerToken(), (headers, in) -> {
                        grant.set(Api.JSON.readTree(headers.get("tablease-grant")));
                        // the header's token is the live lease's: the holder releases with it, and the socket closes
                        Api.Reply r = f.api.release("s 1/ü", grant.get().path("token").asLong(), "COMPLETED");
                        assertEquals(200, r.status(), r.toString());
                        closed.set(CdpClient.readClose(in));
                    });
            assertEquals(101, u.status(), u.toString());
            JsonNode g = grant.get();
            assertEquals("granted", g.path("outcome").asText(), g.toString());
            assertEquals("s 1/ü", g.path("sessionId").asText(), "non-ASCII is escaped in the header and decoded intact");
            assertEquals("agent ä", g.path("holder").asText());
            assertTrue(g.path("cdpUrl").asText().endsWith("/" + g.path("token").asLong()), g.toString());
            assertEquals(4000, closed.get().code(), closed.get().toString());
            assertTrue(closed.get().reason().contains("COMPLETED"), closed.get().toString());
        }
    }

    @Test
    @Timeout(60)
    void theUpgradedSocket_drivesTheGrantedTab() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            detached(f, "s1", "chatgpt");
            try (CdpClient c = CdpClient.open(url(f, "sessionId=s1&key=chatgpt&holder=a&requestClass=default"),
                    f.server.bearerToken())) {
            assertEquals(2, c.evaluate("1+1").asInt());
            JsonNode nav = c.call("Page.navigate", "{\"url\":\"data:text/html,<title>one-trip</title>\"}");
            JsonNode tab = Api.JSON.readTree(f.api.status().text()).path("tabs").get(0);
            assertEquals(tab.path("targetId").asText(), nav.path("result").path("frameId").asText(),
                    "the socket drives the tab reserved for s1: " + tab);
            assertEquals("s1", tab.path("sessionId").asText());
            assertEquals(-32601, c.call("Target.getTargets", "{}").path("error").path("code").asInt(),
                    "the same fencing as a cdpUrl's socket");
            }
        }
    }

    @Test
    @Timeout(60)
    void aQueuedOrRejectedAcquire_isAnsweredAsPostAcquireAnswersIt_withoutAnUpgrade() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            f.beating("s1", a.num("token"));
            String bearer = f.server.bearerToken();
            CdpClient.Upgrade queued = CdpClient.rawUpgrade(url(f, "sessionId=s2&key=chatgpt&holder=b"), bearer);
            assertEquals(202, queued.status(), queued.toString());
            assertEquals("queued", queued.json().path("outcome").asText(), queued.toString());
            CdpClient.Upgrade full = CdpClient.rawUpgrade(url(f, "sessionId=s3&key=chatgpt&holder=c"), bearer);
            assertEquals(409, full.status(), full.toString());
            assertEquals("REJECTED", full.json().path("code").asText(), full.toString());
            assertEquals("QUEUE_FULL", full.json().path("reason").asText(), full.toString());
            Api.Reply c = f.api.cancel(queued.json().path("requestId").asLong());
            assertEquals("WITHDRAWN", c.str("result"), "the 202 was a real queued request: " + c);
        }
    }

    @Test
    @Timeout(60)
    void aBadQuery_aMissingBearer_andAPlainGet_areTypedErrors_thatAcquireNothing() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            String bearer = f.server.bearerToken();
            String ok = "sessionId=s1&key=chatgpt&holder=a";
            record Case(String query, String bearer, int status, String code) {
            }
            for (Case k : List.of(
                    new Case(ok, null, 401, "UNAUTHORIZED"),
                    new Case(ok + "&waitMillis=5", bearer, 400, "BAD_REQUEST"),
                    new Case(ok + "&key=claude", bearer, 400, "BAD_REQUEST"),
                    new Case("sessionId=s1&holder=a", bearer, 400, "BAD_REQUEST"),
                    new Case("sessionId=&key=chatgpt&holder=a", bearer, 400, "BAD_REQUEST"),
                    new Case(ok + "&requestClass=%E0%A4", bearer, 400, "BAD_REQUEST"),
                    new Case(ok + "&requestClass=nope", bearer, 400, "UNKNOWN_REQUEST_CLASS"))) {
                CdpClient.Upgrade u = CdpClient.rawUpgrade(url(f, k.query()), k.bearer());
                assertEquals(k.status(), u.status(), k + ": " + u);
                assertEquals(k.code(), u.json().path("code").asText(), k + ": " + u);
            }
            Api.Reply plain = f.api.get("/v1/acquire/cdp?" + ok);
            assertEquals(400, plain.status(), plain.toString());
            assertEquals("BAD_REQUEST", plain.str("code"));
            JsonNode status = Api.JSON.readTree(f.api.status().text());
            assertEquals(0, status.path("sessions").size(), "nothing was acquired: " + status);
            assertFalse(status.toString().contains("s1"), status.toString());
        }
    }
}

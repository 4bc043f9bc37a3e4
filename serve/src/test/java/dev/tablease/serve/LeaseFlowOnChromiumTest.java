package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tablease.testkit.Cdp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease flows over real HTTP against a real service and a real headless Chromium: grant, heartbeat, fenced
 * update, release; reattach after a detach; the queue with a long poll granted on release; queue timeout and
 * cancel; a lapse by missed heartbeats; stale tokens and other holders' tokens refused with nothing changed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaseFlowOnChromiumTest extends OnChromium {

    @Test
    @Timeout(60)
    void acquireHeartbeatUpdateRelease_drivesARealTabAndPoolsItOnCompletion() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply g = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, g.status(), g.toString());
            assertEquals("granted", g.str("outcome"));
            assertEquals("agent-a", g.str("holder"));
            String target = g.str("targetId");
            assertTrue(Cdp.pageTargets(chromium.browserWebSocket()).contains(target), "a real page target: " + target);
            long token = g.num("token");
            assertTrue(g.num("expiresAt") > 0 && g.num("expiresAt") <= g.num("deadline"), g.toString());
            assertEquals(200, g.num("heartbeatIntervalMillis"));

            Thread.sleep(100);
            Api.Reply hb = f.api.heartbeat("s1", token);
            assertEquals(200, hb.status(), hb.toString());
            assertTrue(hb.num("expiresAt") > g.num("expiresAt"), "the beat moved the expiry: " + hb + " after " + g);

            Api.Reply up = f.api.update("s1", token, "https://chat.example/c/42");
            assertEquals(200, up.status(), up.toString());
            JsonNode s = f.session("s1");
            assertEquals("https://chat.example/c/42", s.path("conversationUrl").asText());
            assertEquals("agent-a", s.path("lease").path("holder").asText());
            assertEquals("RESERVED", tab(f, target).path("state").asText());

            Api.Reply rel = f.api.release("s1", token, "COMPLETED");
            assertEquals(200, rel.status(), rel.toString());
            assertEquals("COMPLETED", rel.str("outcome"));
            assertTrue(f.session("s1").isMissingNode(), "a completed session is gone");
            assertEquals("POOLED", tab(f, target).path("state").asText());
            Api.Reply again = f.api.heartbeat("s1", token);
            assertEquals(404, again.status(), again.toString());
            assertEquals("UNKNOWN_SESSION", again.code());
        }
    }

    @Test
    @Timeout(60)
    void detachThenAcquireAgain_reattachesToTheSameTabWithANewTokenAndTheOldOneIsStale() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply send = f.api.acquire("s1", "chatgpt", "send", 10_000);
            assertEquals(200, send.status(), send.toString());
            assertEquals(200, f.api.release("s1", send.num("token"), "DETACH").status());
            JsonNode detached = f.session("s1");
            assertTrue(detached.path("lease").isMissingNode(), "no driver: " + detached);
            assertNotEquals(0, detached.path("tabId").asLong(), "the reservation stays: " + detached);

            Api.Reply poll = f.api.acquire("s1", "chatgpt", "poll", 10_000);
            assertEquals(200, poll.status(), poll.toString());
            assertEquals(send.str("targetId"), poll.str("targetId"), "the same tab");
            assertTrue(poll.num("token") > send.num("token"), "a fresh fencing token");
            assertEquals(send.num("deadline"), poll.num("deadline"), "one deadline per session");

            Api.Reply stale = f.api.update("s1", send.num("token"), "https://chat.example/c/stale");
            assertEquals(409, stale.status(), stale.toString());
            assertEquals("STALE_TOKEN", stale.code());
            assertTrue(f.session("s1").path("conversationUrl").isMissingNode(), "the stale write changed nothing");
            assertEquals(200, f.api.heartbeat("s1", poll.num("token")).status());
        }
    }

    @Test
    @Timeout(60)
    void queuedAcquire_longPollIsGrantedTheFreedTabWhenTheHolderReleases() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().globalMax(1).build(), c -> c)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            AutoCloseable beatingA = f.api.beating("s1", a.num("token"));
            Api.Reply q = f.api.acquire("s2", "claude", "agent-b", 0);
            assertEquals(202, q.status(), q.toString());
            assertEquals("queued", q.str("outcome"));
            assertTrue(q.num("queueDeadline") > 0, q.toString());
            long requestId = q.num("requestId");
            assertEquals("claude", f.api.status().body().path("queues").path(0).path("key").asText());

            Api.Reply still = f.api.await(requestId, 300);
            assertEquals(202, still.status(), "nothing freed yet: " + still);

            long t0 = System.nanoTime();
            CompletableFuture<Api.Reply> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.api.await(requestId, 20_000);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500);
            assertFalse(poll.isDone(), "the long poll waits");
            beatingA.close();
            assertEquals(200, f.api.release("s1", a.num("token"), "COMPLETED").status());
            Api.Reply granted = poll.get(30, TimeUnit.SECONDS);
            assertEquals(200, granted.status(), granted.toString());
            assertEquals("agent-b", granted.str("holder"));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "granted on release, not at a timeout");
            assertTrue(Cdp.pageTargets(chromium.browserWebSocket()).contains(granted.str("targetId")));
            assertEquals(200, f.api.heartbeat("s2", granted.num("token")).status());
        }
    }

    @Test
    @Timeout(60)
    void fullQueue_rejectsWithTheKernelsRetryAfterAndChangesNothing() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            Api.Reply q = f.api.acquire("s2", "chatgpt", "agent-b", 0);
            assertEquals(202, q.status(), q.toString());
            Api.Reply r = f.api.acquire("s3", "chatgpt", "agent-c", 5_000);
            assertEquals(409, r.status(), r.toString());
            assertEquals("rejected", r.str("outcome"));
            assertEquals("REJECTED", r.code());
            assertEquals("QUEUE_FULL", r.str("reason"));
            assertTrue(r.num("retryAfterMillis") > 0, r.toString());
            String header = r.raw().headers().firstValue("Retry-After").orElseThrow();
            assertEquals((r.num("retryAfterMillis") + 999) / 1000, Long.parseLong(header));
            assertTrue(f.session("s3").isMissingNode(), "a rejected new session is not kept");
            JsonNode queues = f.api.status().body().path("queues");
            assertEquals(1, queues.size(), queues.toString());
            assertEquals("s2", queues.path(0).path("sessions").path(0).asText());
            assertEquals(1, queues.path(0).path("sessions").size());
        }
    }

    @Test
    @Timeout(60)
    void queueDeadline_boundsTheLongPollWithARejection() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().queueTimeoutMillis(1_500).build(), c -> c)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            long t0 = System.nanoTime();
            Api.Reply q = f.api.acquire("s2", "chatgpt", "agent-b", 25_000);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(409, q.status(), q.toString());
            assertEquals("QUEUE_TIMEOUT", q.str("reason"));
            assertTrue(tookMillis >= 1_400 && tookMillis < 10_000, "ended by the queue deadline: " + tookMillis + " ms");
            assertTrue(f.session("s2").isMissingNode());
        }
    }

    @Test
    @Timeout(60)
    void cancel_withdrawsAQueuedRequestAndItsPollSeesTheRejection() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            AutoCloseable beatingA = f.api.beating("s1", a.num("token"));
            Api.Reply q = f.api.acquire("s2", "chatgpt", "agent-b", 0);
            assertEquals(202, q.status(), q.toString());
            Api.Reply c = f.api.cancel(q.num("requestId"));
            assertEquals(200, c.status(), c.toString());
            assertEquals("WITHDRAWN", c.str("result"));
            Api.Reply w = f.api.await(q.num("requestId"), 1_000);
            assertEquals(409, w.status(), w.toString());
            assertEquals("CANCELLED", w.str("reason"));
            assertTrue(f.session("s2").isMissingNode());
            assertEquals(0, f.api.status().body().path("queues").size());
            Api.Reply again = f.api.cancel(q.num("requestId"));
            assertEquals("ALREADY_REJECTED", again.str("result"));
            assertEquals(200, f.api.heartbeat("s1", a.num("token")).status(), "the holder is untouched");
            beatingA.close();
        }
    }

    @Test
    @Timeout(60)
    void missedHeartbeats_theLeaseLapsesItsTokenIsRefusedEverywhereAndTheReservationStays() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply g = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, g.status(), g.toString());
            long token = g.num("token");
            // beaten by the client, the lease outlives several heartbeat timeouts (800 ms each)
            for (int i = 0; i < 12; i++) {
                Thread.sleep(200);
                Api.Reply hb = f.api.heartbeat("s1", token);
                assertEquals(200, hb.status(), "beat " + i + ": " + hb);
            }
            // then the client "dies": nobody beats, the service does not beat for it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!f.session("s1").path("lease").isMissingNode()) {
                assertTrue(System.nanoTime() < deadline, "the lease never lapsed: " + f.session("s1"));
                Thread.sleep(50);
            }
            for (Api.Reply r : new Api.Reply[] {f.api.heartbeat("s1", token),
                    f.api.update("s1", token, "https://chat.example/c/late"), f.api.release("s1", token, "COMPLETED")}) {
                assertEquals(409, r.status(), r.toString());
                assertEquals("STALE_TOKEN", r.code(), r.toString());
            }
            JsonNode s = f.session("s1");
            assertTrue(s.path("conversationUrl").isMissingNode(), "the stale write changed nothing: " + s);
            assertEquals("RESERVED", tab(f, g.str("targetId")).path("state").asText(), "the reservation stays");
            Api.Reply back = f.api.acquire("s1", "chatgpt", "watcher", 10_000);
            assertEquals(200, back.status(), back.toString());
            assertEquals(g.str("targetId"), back.str("targetId"), "the next driver gets the same tab");
        }
    }

    @Test
    @Timeout(60)
    void anotherHoldersToken_cannotReleaseOrUpdateTheLease() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            AutoCloseable beatingA = f.api.beating("s1", a.num("token"));
            Api.Reply b = f.api.acquire("s2", "claude", "agent-b", 10_000);
            assertEquals(200, b.status(), b.toString());
            AutoCloseable beatingB = f.api.beating("s2", b.num("token"));
            for (Api.Reply r : new Api.Reply[] {f.api.release("s1", b.num("token"), "CANCELLED"),
                    f.api.update("s1", b.num("token"), "https://evil.example/"), f.api.heartbeat("s1", b.num("token")),
                    f.api.release("s1", a.num("token") + 1000, "FAILED")}) {
                assertEquals(409, r.status(), r.toString());
                assertEquals("STALE_TOKEN", r.code(), r.toString());
            }
            JsonNode s1 = f.session("s1");
            assertEquals("agent-a", s1.path("lease").path("holder").asText(), "still agent-a's: " + s1);
            assertTrue(s1.path("conversationUrl").isMissingNode());
            assertEquals(200, f.api.heartbeat("s1", a.num("token")).status());
            assertEquals(200, f.api.heartbeat("s2", b.num("token")).status());
            beatingA.close();
            beatingB.close();
        }
    }

    @Test
    @Timeout(60)
    void status_showsKeysTabsSessionsAndQueuesButNoToken() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            assertEquals(202, f.api.acquire("s2", "chatgpt", "agent-b", 0).status());
            Api.Reply st = f.api.status();
            assertEquals(200, st.status());
            JsonNode body = st.body();
            assertEquals("chatgpt", body.path("keys").path(0).path("key").asText());
            assertEquals(1, body.path("keys").path(0).path("tabs").path("RESERVED").asInt(), body.toString());
            assertEquals(1, body.path("keys").path(0).path("queued").asInt());
            assertEquals(a.str("targetId"), body.path("tabs").path(0).path("targetId").asText());
            assertEquals(2, body.path("sessions").size());
            assertEquals("agent-b", f.session("s2").path("drivers").path(0).path("holder").asText());
            assertFalse(hasFieldNamed(body, "token"), "no token in the status: " + body);
            assertFalse(st.text().contains(f.server.bearerToken()));
        }
    }

    private static boolean hasFieldNamed(JsonNode n, String part) {
        if (n.isObject()) {
            for (var it = n.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().toLowerCase(java.util.Locale.ROOT).contains(part) || hasFieldNamed(e.getValue(), part)) {
                    return true;
                }
            }
        } else if (n.isArray()) {
            for (JsonNode c : n) {
                if (hasFieldNamed(c, part)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode tab(ServeFixture f, String targetId) throws Exception {
        for (JsonNode t : f.api.status().body().path("tabs")) {
            if (targetId.equals(t.path("targetId").asText())) {
                return t;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}

package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import dev.tablease.serve.internal.CdpFencing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fencing at the tab, proved on the tab itself: a frame a holder sends after its lease ended (released, or
 * revoked for missed heartbeats) never reaches the tab, as a witness HTTP server the page talks to sees. The checker
 * ({@link #frameAfterTheEnd}) is run on the service as it is ({@link CdpFencing#ENFORCED}), on each half of the
 * fence alone, and on a broken proxy that neither checks nor closes: the broken one must be caught.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeFencingTest extends OnChromium {

    /** How the first holder's lease ends. */
    enum End { RELEASE, STOP_BEATING }

    /**
     * What the checker saw.
     *
     * @param staleFrameReachedTheTab whether the frame sent after the end ran in the tab (its request reached the witness)
     * @param closed                  how the ended holder's socket was closed ({@code null}: still open)
     */
    record Seen(boolean staleFrameReachedTheTab, CdpClient.Closed closed) {
    }

    /**
     * Holder A navigates its tab to a witness HTTP server on loopback and makes the page fetch {@code /before}
     * (the witness sees it: frames reach the tab); A's lease ends ({@code end}); A then sends a
     * {@code Runtime.evaluate} that fetches {@code /stale}. The witness reports whether that request came (it
     * would within milliseconds; the checker waits 1.5 s). A request, unlike a page global, survives the reset
     * a reattach after a revocation does.
     */
    static Seen frameAfterTheEnd(CdpFencing fencing, End end) throws Exception {
        HttpServer witness = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        CountDownLatch before = new CountDownLatch(1);
        CountDownLatch stale = new CountDownLatch(1);
        witness.createContext("/", x -> {
            String path = x.getRequestURI().getPath();
            if (path.equals("/before")) {
                before.countDown();
            } else if (path.equals("/stale")) {
                stale.countDown();
            }
            byte[] body = "<title>witness</title>".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/html");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        witness.start();
        String page = "http://127.0.0.1:" + witness.getAddress().getPort() + "/";
        try (ServeFixture f = ServeFixture.start(chromium, ServeFixture.kernel().build(), c -> c, fencing)) {
            Api.Reply a = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, a.status(), a.toString());
            try (CdpClient ca = CdpClient.open(a.str("cdpUrl"), f.server.bearerToken())) {
                AutoCloseable beating = f.beating("s1", a.num("token"));
                ca.call("Page.navigate", "{\"url\":\"" + page + "\"}");
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!ca.evaluate("location.href + document.readyState").asText().equals(page + "complete")
                        && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                ca.evaluate("fetch('/before').then(() => 1)");
                assertTrue(before.await(10, TimeUnit.SECONDS), "the witness sees the page's requests");
                beating.close();
                if (end == End.RELEASE) {
                    assertEquals(200, f.api.release("s1", a.num("token"), "DETACH").status());
                } else {
                    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!f.session("s1").path("lease").isMissingNode() && System.nanoTime() < until) {
                        Thread.sleep(20);
                    }
                    assertTrue(f.session("s1").path("lease").isMissingNode(), "the lease lapsed: " + f.session("s1"));
                    assertEquals(409, f.api.heartbeat("s1", a.num("token")).status(), "revoked");
                }
                try {
                    ca.send("{\"id\":900,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"fetch('/stale')\"}}");
                } catch (Exception e) {
                    // the socket is closed already: nothing was sent
                }
                boolean reached = stale.await(1_500, TimeUnit.MILLISECONDS);
                CdpClient.Closed closed = null;
                try {
                    closed = ca.awaitClosed(reached ? 200 : 1_000);
                } catch (java.util.concurrent.TimeoutException e) {
                    // still open
                }
                return new Seen(reached, closed);
            }
        } finally {
            witness.stop(0);
        }
    }

    @Test
    @Timeout(60)
    void afterARelease_aFrameNeverReachesTheTab_andTheSocketIsClosed4000() throws Exception {
        Seen s = frameAfterTheEnd(CdpFencing.ENFORCED, End.RELEASE);
        assertFalse(s.staleFrameReachedTheTab());
        assertEquals(new CdpClient.Closed(4000, "lease ended: released DETACH"), s.closed());
    }

    @Test
    @Timeout(60)
    void afterMissedHeartbeats_aFrameNeverReachesTheTab_andTheSocketIsClosed4001() throws Exception {
        Seen s = frameAfterTheEnd(CdpFencing.ENFORCED, End.STOP_BEATING);
        assertFalse(s.staleFrameReachedTheTab());
        assertEquals(new CdpClient.Closed(4001, "lease ended: HEARTBEAT_MISSED"), s.closed());
    }

    @Test
    @Timeout(60)
    void thePerFrameCheckAlone_stopsAFrameAfterARelease_andClosesTheSocketThen() throws Exception {
        Seen s = frameAfterTheEnd(new CdpFencing(true, false), End.RELEASE);
        assertFalse(s.staleFrameReachedTheTab(), "the check refused the frame although the socket was still open");
        assertEquals(4000, s.closed().code(), s.toString());
    }

    @Test
    @Timeout(60)
    void thePerFrameCheckAlone_stopsAFrameAfterMissedHeartbeats_withTheRevocationsReason() throws Exception {
        Seen s = frameAfterTheEnd(new CdpFencing(true, false), End.STOP_BEATING);
        assertFalse(s.staleFrameReachedTheTab());
        assertEquals(new CdpClient.Closed(4001, "lease ended: HEARTBEAT_MISSED"), s.closed());
    }

    @Test
    @Timeout(60)
    void theCloseAlone_stopsAFrameAfterARelease() throws Exception {
        Seen s = frameAfterTheEnd(new CdpFencing(false, true), End.RELEASE);
        assertFalse(s.staleFrameReachedTheTab());
        assertEquals(4000, s.closed().code(), s.toString());
    }

    @Test
    @Timeout(90)
    void aBrokenProxyThatNeitherChecksNorCloses_isCaught_theStaleFrameReachesTheNextHoldersTab() throws Exception {
        Seen released = frameAfterTheEnd(new CdpFencing(false, false), End.RELEASE);
        assertTrue(released.staleFrameReachedTheTab(), "the checker must see the broken proxy forward: " + released);
        assertEquals(null, released.closed(), "and its socket stays open");
        Seen checkedOnly = frameAfterTheEnd(new CdpFencing(true, false), End.RELEASE);
        assertFalse(checkedOnly.staleFrameReachedTheTab(), "the same checker passes the per-frame check: " + checkedOnly);
        Seen lapsed = frameAfterTheEnd(new CdpFencing(false, false), End.STOP_BEATING);
        assertTrue(lapsed.staleFrameReachedTheTab(), "the checker must see the broken proxy forward: " + lapsed);
    }
}

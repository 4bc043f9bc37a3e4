package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} and {@code GET /v1/timeline} on a real service: the metrics count what the kernel decided
 * (a grant, a queue-full rejection, a cancel, a lapse for missed heartbeats) and read the state (tabs by key and
 * state, sessions, leases), in a text that a strict reader of the Prometheus format accepts; the timeline page is
 * the service's own transitions, reloading itself, opened with the token as a query parameter (that route only).
 */
class ServeObservabilityTest extends OnChromium {

    @Test
    @Timeout(60)
    void metrics_countTheKernelsDecisions_andReadItsState_inValidPrometheusText() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply g = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, g.status(), g.toString());
            Api.Reply q = f.api.acquire("s2", "chatgpt", "agent-b", 0);
            assertEquals(202, q.status(), q.toString());
            Api.Reply full = f.api.acquire("s3", "chatgpt", "agent-c", 0);
            assertEquals(409, full.status(), full.toString());
            assertEquals("WITHDRAWN", f.api.cancel(q.num("requestId")).str("result"));
            // s1 is never beaten: the kernel revokes it after 4 missed beats of 200 ms
            PrometheusText m = awaitMetrics(f, "tablease_revokes_total{reason=\"HEARTBEAT_MISSED\"}", 1);

            assertEquals(List.of(), m.problems);
            assertEquals(1, m.value("tablease_grants_total"));
            assertEquals(1, m.value("tablease_rejects_total{reason=\"QUEUE_FULL\"}"));
            assertEquals(1, m.value("tablease_rejects_total{reason=\"CANCELLED\"}"));
            assertEquals(0, m.value("tablease_rejects_total{reason=\"QUEUE_TIMEOUT\"}"));
            assertEquals(1, m.value("tablease_tabs{key=\"chatgpt\",state=\"RESERVED\"}"), "s1 keeps its tab");
            assertEquals(0, m.value("tablease_tabs{key=\"chatgpt\",state=\"POOLED\"}"));
            assertEquals(1, m.value("tablease_sessions"));
            assertEquals(0, m.value("tablease_leases"), "the lapsed lease is gone");
            assertEquals(1, m.value("tablease_queue_wait_seconds_count"), "one grant waited");
            assertTrue(m.value("tablease_transition_seconds_count") >= 5, "every transition is timed");

            Api.Reply raw = f.api.get("/metrics");
            assertTrue(raw.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertFalse(raw.text().contains(f.server.bearerToken()), "never the bearer token");
            assertEquals(401, f.api.withToken(null).get("/metrics").status());
        }
    }

    @Test
    @Timeout(60)
    void timeline_isTheServicesOwnTransitions_reloadingItself_andTakesTheTokenInTheQueryOnlyThere() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply g = f.api.acquire("session-on-the-page", "chatgpt", "agent-a", 10_000);
            assertEquals(200, f.api.release("session-on-the-page", g.num("token"), "COMPLETED").status());

            Api anonymous = f.api.withToken(null);
            String query = "?access_token=" + URLEncoder.encode(f.server.bearerToken(), StandardCharsets.UTF_8);
            Api.Reply page = anonymous.get("/v1/timeline" + query);
            assertEquals(200, page.status(), page.toString());
            assertTrue(page.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.text().contains("<meta http-equiv=\"refresh\" content=\"5\">"), "reloads itself");
            assertTrue(page.text().contains("session-on-the-page"), "draws the service's session");
            assertEquals(200, f.api.get("/v1/timeline").status(), "the header works too");

            assertEquals(401, anonymous.get("/v1/timeline").status());
            assertEquals(401, anonymous.get("/v1/timeline?access_token=not-the-token").status());
            assertEquals(401, anonymous.get("/v1/status" + query).status(), "only the page takes the query token");
            assertEquals(401, anonymous.get("/metrics" + query).status());
        }
    }

    @Test
    void theReader_refusesBrokenPrometheusText() {
        String ok = """
                # HELP x_seconds a histogram
                # TYPE x_seconds histogram
                x_seconds_bucket{le="0.1"} 1
                x_seconds_bucket{le="+Inf"} 2
                x_seconds_sum 0.3
                x_seconds_count 2
                """;
        assertEquals(List.of(), PrometheusText.read(ok).problems);
        assertFalse(PrometheusText.read(ok.replace("{le=\"0.1\"} 1", "{le=\"0.1\"} 3")).problems.isEmpty(),
                "buckets that are not cumulative");
        assertFalse(PrometheusText.read(ok.replace("x_seconds_count 2", "x_seconds_count 5")).problems.isEmpty(),
                "a count that is not the +Inf bucket");
        assertFalse(PrometheusText.read("y 1\n").problems.isEmpty(), "a sample without TYPE");
        assertFalse(PrometheusText.read("# TYPE y gauge\ny{key=\"a} 1\n").problems.isEmpty(), "a broken label");
    }

    private static PrometheusText awaitMetrics(ServeFixture f, String key, double value) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        PrometheusText m;
        do {
            Api.Reply r = f.api.get("/metrics");
            assertEquals(200, r.status(), r.toString());
            m = PrometheusText.read(r.text());
            if (m.value(key) == value) {
                return m;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        throw new AssertionError(key + " never reached " + value + ":\n" + m.samples);
    }
}

package dev.tablease.adapter.internal;

import com.google.gson.JsonObject;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import dev.tablease.testkit.OnChromium;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw CDP round trips end, on real Chromium: a send that is never answered (a page-level {@code Runtime.evaluate} of
 * a promise that never settles, the same unanswered wait as a browser-session send in flight when the launched
 * browser is killed) ends at its deadline or as soon as it is abandoned, and leaves the connection and the thread
 * usable. The broken variant, Playwright's own {@code send}, is shown still waiting long past the deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedCdpOnChromiumTest extends OnChromium {

    private static final String NEVER_SETTLES = "new Promise(() => {})";

    private Playwright playwright;
    private Page page;
    private CDPSession session;

    @BeforeEach
    void openATab() {
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        Browser browser = playwright.chromium().connectOverCDP(chromium.httpEndpoint().toString());
        page = browser.contexts().get(0).newPage();
        session = page.context().newCDPSession(page);
    }

    @AfterEach
    void closeTheConnection() {
        try {
            page.close();
        } catch (PlaywrightException e) {
            // the broken-variant test stopped Playwright under its stuck send
        }
        playwright.close();
    }

    private static JsonObject evaluate(String expression) {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("awaitPromise", true);
        params.addProperty("returnByValue", true);
        return params;
    }

    @Test
    void aSendNeverAnswered_endsAtItsDeadline_andTheConnectionAndTheThreadStayUsable() {
        try (BoundedCdp cdp = new BoundedCdp(1_000)) {
            long started = System.nanoTime();
            BoundedCdp.Unanswered e = assertThrows(BoundedCdp.Unanswered.class,
                    () -> cdp.send(session, "Runtime.evaluate", evaluate(NEVER_SETTLES)));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis >= 1_000 && tookMillis < 20_000, "ended at its deadline, after " + tookMillis + " ms");
            assertFalse(e.disconnected(), "the deadline ended it");
            assertEquals("no answer to CDP Runtime.evaluate: none within 1,000 ms", e.getMessage());
            assertFalse(Thread.currentThread().isInterrupted(), "the deadline's interrupt does not leak to the caller");

            assertEquals(2, ((Number) page.evaluate("1 + 1")).intValue(), "Playwright still works on this connection");
            JsonObject answer = cdp.send(session, "Runtime.evaluate", evaluate("6 * 7"));
            assertEquals(42, answer.getAsJsonObject("result").get("value").getAsInt(), "and so does the next send");
        }
    }

    @Test
    void theBrokenVariant_playwrightsOwnSend_isStillWaitingLongAfterTheDeadline() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> endedWith = new java.util.concurrent.atomic.AtomicReference<>();
        Thread unbounded = new Thread(() -> {
            try {
                session.send("Runtime.evaluate", evaluate(NEVER_SETTLES));
            } catch (Throwable t) {
                endedWith.set(t);
            }
        }, "unbounded-send");
        unbounded.start();
        unbounded.join(3_000);
        assertTrue(unbounded.isAlive(), "no answer and no end after 3 s (the bounded send ends after 1 s)");
        playwright.close(); // what Chrome.close does to a call that never returns
        unbounded.join(20_000);
        assertFalse(unbounded.isAlive(), "stopping Playwright ends it");
        assertTrue(endedWith.get() instanceof PlaywrightException, String.valueOf(endedWith.get()));
    }

    @Test
    void aSendAbandonedFromItsOwnThread_endsAtOnce_asTheDisconnectHandlerDoes() {
        try (BoundedCdp cdp = new BoundedCdp(30_000)) {
            // Playwright runs event handlers on the thread that is inside a call: here, inside the send
            page.onConsoleMessage(m -> cdp.abandonInFlight());
            long started = System.nanoTime();
            BoundedCdp.Unanswered e = assertThrows(BoundedCdp.Unanswered.class, () -> cdp.send(session,
                    "Runtime.evaluate", evaluate("new Promise(() => setTimeout(() => console.log('bye'), 100))")));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis < 15_000, "ended long before its deadline: " + tookMillis + " ms");
            assertTrue(e.disconnected(), e.getMessage());
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void anAbandonFromAnotherThread_endsNothing() throws Exception {
        try (BoundedCdp cdp = new BoundedCdp(30_000)) {
            Thread other = new Thread(() -> {
                sleepQuietly(300);
                cdp.abandonInFlight();
            });
            other.start();
            JsonObject answer = cdp.send(session, "Runtime.evaluate",
                    evaluate("new Promise(r => setTimeout(() => r('done'), 1000))"));
            other.join();
            assertEquals("done", answer.getAsJsonObject("result").get("value").getAsString());
        }
    }

    @Test
    void anErrorAnswer_isPlaywrightsOwnException_notUnanswered() {
        try (BoundedCdp cdp = new BoundedCdp(10_000)) {
            PlaywrightException e = assertThrows(PlaywrightException.class, () -> cdp.send(session, "No.suchMethod", null));
            assertFalse(e instanceof BoundedCdp.Unanswered, e.toString());
        }
    }

    @Test
    void aTimeoutThatIsNotPositive_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BoundedCdp(0));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

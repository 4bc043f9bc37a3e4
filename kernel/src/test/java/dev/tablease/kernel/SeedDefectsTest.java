package dev.tablease.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tablease.kernel.KernelHarness.all;
import static dev.tablease.kernel.KernelHarness.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per defect of the seed's root-cause analysis (defects 1-5 and the TTL collision X): each
 * replays the old system's failure scenario on the kernel and asserts the fix. Every step is checked
 * against every invariant by {@link KernelHarness}.
 */
class SeedDefectsTest {

    private static final long SEC = 1_000;
    private static final long MIN = 60 * SEC;

    /**
     * Defect 1: check-then-use. The old code asked "is the tab alive?" and then used it; the tab could die in
     * between. Here nothing is pre-checked: the adapter uses the tab, classifies the failure, and reports
     * {@code TabGone}: one event that revokes the lease, ends the reservation and leads to a recovery onto
     * exactly one new tab at the conversation URL.
     */
    @Test
    void defect1_tabDeathIsAnEventNotAGuessAndRecoveryLandsOnOneNewTab() {
        KernelHarness k = new KernelHarness();
        Decision.Granted send = k.acquireOpened(0, "s1", "chatgpt", "send");
        k.update(SEC, "s1", send.token(), "https://chat.example/c/1");
        List<Decision> d = k.apply(new Input.TabGone(2 * SEC, send.targetId(), GoneCause.TARGET_CLOSED));
        assertEquals(RevokeReason.TAB_GONE, find(d, Decision.Revoked.class).reason());
        KernelState afterDeath = k.state();
        assertEquals(RefuseReason.NO_LEASE, find(k.update(3 * SEC, "s1", send.token(), "x"), Decision.Refused.class)
                .reason(), "the dead tab's holder can change nothing");
        assertEquals(afterDeath, k.state());
        Decision.OpenTab open = find(d, Decision.OpenTab.class); // the replacement, under the same slot
        find(k.acquire(3 * SEC, "s1", "chatgpt", "send"), Decision.Queued.class);
        find(k.acquire(3 * SEC, "s1", "chatgpt", "watcher"), Decision.Queued.class);
        d = k.opened(4 * SEC, open.tabId(), "T-new");
        assertEquals(new Decision.Navigate(open.tabId(), "T-new", "https://chat.example/c/1"), d.get(0));
        assertInstanceOf(Decision.Granted.class, d.get(1));
        assertEquals(1, k.state().tabs().size(), "exactly one new tab");
    }

    /**
     * Defect 2: the session-to-tab binding and the lease row were written under two locks, so a session
     * could be bound to a tab that another session's cleanup or checkout saw as free. Here binding is the
     * reservation: one transition. While OPENING and while RESERVED, cleanup (pool expiry) and eviction
     * pressure from other keys never take the bound tab, and no other session is given it.
     */
    @Test
    void defect2_bindingAndReservationAreOneTransitionThatCleanupCannotSplit() {
        KernelHarness k = new KernelHarness(KernelConfig.builder().globalMax(2).build());
        Decision.OpenTab open = find(k.acquire(0, "s1", "chatgpt", "send", "pro"), Decision.OpenTab.class);
        Tab opening = k.tab(open.tabId());
        assertEquals("s1", opening.sessionId(), "bound while OPENING, in the same step");
        assertEquals(open.tabId(), k.session("s1").tabId());

        Decision.Granted other = k.acquireOpened(SEC, "s2", "gemini", "send");
        k.release(2 * SEC, "s2", other.token(), Outcome.COMPLETED);
        List<Decision> d = k.acquire(3 * SEC, "s3", "claude", "send"); // global cap full: evict an idle tab
        Decision.CloseTab evicted = find(d, Decision.CloseTab.class);
        assertEquals(other.tabId(), evicted.tabId(), "only the idle tab is evicted, never the bound one");

        d = k.opened(4 * SEC, open.tabId(), "T1");
        assertEquals("s1", find(d, Decision.Granted.class).sessionId());
        List<Decision> cleanup = k.tick(31 * MIN); // far past the pool TTL: the pooled tab would be reaped
        assertTrue(all(cleanup, Decision.CloseTab.class).stream().noneMatch(c -> c.tabId() == open.tabId()));
        assertEquals(TabState.RESERVED, k.tab(open.tabId()).state());
        assertEquals(open.tabId(), k.session("s1").tabId());
    }

    /**
     * Defect 3: send ran without the session mutex, and poll and the watcher raced on conversationUrl.
     * Here every command on a session needs its driver lease: poll waits while send holds it, and a writer
     * that lost the lease is fenced out by its stale token.
     */
    @Test
    void defect3_sendPollAndWatcherShareOneMutexAndStaleWritesAreFenced() {
        KernelHarness k = new KernelHarness();
        Decision.Granted send = k.acquireOpened(0, "s1", "chatgpt", "send");
        assertNotNull(find(k.acquire(SEC, "s1", "chatgpt", "poll"), Decision.Queued.class), "poll waits for send");
        assertNotNull(find(k.acquire(SEC, "s1", "chatgpt", "watcher"), Decision.Queued.class));
        k.update(2 * SEC, "s1", send.token(), "https://chat.example/c/7");
        Decision.Granted poll = find(k.release(3 * SEC, "s1", send.token(), Outcome.DETACH), Decision.Granted.class);
        assertEquals("poll", poll.holder());

        KernelState before = k.state();
        Decision.Refused r = find(k.update(4 * SEC, "s1", send.token(), "https://chat.example/c/stale"),
                Decision.Refused.class);
        assertEquals(RefuseReason.STALE_TOKEN, r.reason(), "the late send cannot overwrite the URL");
        assertEquals(before, k.state());
        assertEquals("https://chat.example/c/7", k.session("s1").conversationUrl());
    }

    /**
     * Defect 4: active leases had no TTL or heartbeat, so a crashed holder locked the tab forever (and a
     * later PID-based reaper killed detached sessions). Here a crashed driver's lease expires after the
     * missed heartbeats, the reservation stays, and the waiting watcher gets the same tab, reset first;
     * a detached session (no process on purpose) keeps its tab, because nothing looks at PIDs.
     */
    @Test
    void defect4_crashedDriversLeaseExpiresAfterMissedBeatsAndTheWatcherGetsTheSameTab() {
        KernelHarness k = new KernelHarness();
        Decision.Granted send = k.acquireOpened(0, "s1", "chatgpt", "send pid 100");
        k.heartbeat(MIN, "s1", send.token()); // then the process crashes: no more beats
        k.tick(MIN + 2 * MIN);                 // two beats missed: still alive
        assertNotNull(k.session("s1").lease());
        k.acquire(MIN + 2 * MIN, "s1", "chatgpt", "watcher");
        List<Decision> d = k.tick(MIN + 3 * MIN);
        assertEquals(new Decision.Revoked("s1", "send pid 100", send.token(), RevokeReason.HEARTBEAT_MISSED), d.get(0));
        assertEquals(new Decision.ResetTab(send.tabId(), send.targetId()), d.get(1));
        Decision.Granted watcher = find(d, Decision.Granted.class);
        assertEquals("watcher", watcher.holder());
        assertEquals(send.tabId(), watcher.tabId(), "the same tab: the reservation survived the crash");

        Decision.Granted detached = k.acquireOpened(5 * MIN, "s2", "chatgpt", "send pid 200");
        k.release(5 * MIN + SEC, "s2", detached.token(), Outcome.DETACH); // send exits on purpose
        k.tick(15 * MIN);
        assertEquals(TabState.RESERVED, k.tab(detached.tabId()).state(), "detached, not reaped");
        assertEquals(detached.tabId(), find(k.acquire(15 * MIN, "s2", "chatgpt", "poll"), Decision.Granted.class).tabId());
    }

    /**
     * Defect 5: the caps bounded only the idle pool, so the 13th concurrent send just opened another tab.
     * Here the caps count tabs in every state: with caps 3/8, 13 concurrent requests over four keys open
     * exactly 8 tabs; the rest are queued, and each freed slot goes to a waiter.
     */
    @Test
    void defect5_thirteenthConcurrentRequestIsQueuedAndNoNinthTabOpens() {
        KernelHarness k = new KernelHarness();
        String[] keys = {"chatgpt", "gemini", "claude", "grok"};
        List<Decision.OpenTab> opens = new ArrayList<>();
        int queued = 0;
        for (int i = 0; i < 13; i++) {
            List<Decision> d = k.acquire(i, "s" + i, keys[i % 4], "send" + i);
            opens.addAll(all(d, Decision.OpenTab.class));
            if (find(d, Decision.OpenTab.class) == null) {
                queued++;
            }
        }
        assertEquals(8, opens.size(), "globalMax 8");
        assertEquals(5, queued);
        assertEquals(8, k.state().tabs().size());
        for (String key : keys) {
            assertTrue(k.count(t -> t.key().equals(key)) <= 3, "maxPerKey 3 for " + key);
        }
        for (Decision.OpenTab o : opens) {
            k.opened(20, o.tabId(), "T" + o.tabId());
        }
        Session first = k.session("s0");
        Decision.Granted next = find(k.release(30, "s0", first.lease().token(), Outcome.COMPLETED), Decision.Granted.class);
        assertNotNull(next, "the freed chatgpt tab goes to a chatgpt waiter");
        assertEquals("chatgpt", k.session(next.sessionId()).key());
        assertEquals(8, k.state().tabs().size());
    }

    /**
     * The TTL collision X: a 35 min lock TTL, a 2 min command heartbeat and no lease TTL fought over a
     * 3600-5400 s model. Here one deadline per session comes from its request class: a pro session whose
     * driver heartbeats keeps its lease for the whole 5400 s, a detached pro session keeps its tab as long,
     * and at the deadline both end together.
     */
    @Test
    void defectX_proSessionThatHeartbeatsKeepsItsLeaseFor5400Seconds() {
        KernelHarness k = new KernelHarness();
        Decision.Granted pro = k.acquireOpened(0, "s1", "chatgpt", "send", "pro");
        assertEquals(5_400 * SEC + MIN, pro.deadline());
        for (long t = MIN; t <= 5_400 * SEC; t += MIN) {
            assertTrue(all(k.tick(t), Decision.Revoked.class).isEmpty(), "no revocation at " + t);
            assertNotNull(find(k.heartbeat(t, "s1", pro.token()), Decision.Extended.class));
        }
        assertEquals(pro.token(), k.session("s1").lease().token(), "the same lease, 90 minutes on");
        List<Decision> d = k.tick(pro.deadline());
        assertEquals(RevokeReason.DEADLINE, find(d, Decision.Revoked.class).reason());
        assertEquals(EndReason.DEADLINE, find(d, Decision.ReservationEnded.class).reason());

        Decision.Granted detached = k.acquireOpened(pro.deadline(), "s2", "chatgpt", "send", "pro");
        k.release(pro.deadline() + SEC, "s2", detached.token(), Outcome.DETACH);
        k.tick(detached.deadline() - 1);
        assertEquals(TabState.RESERVED, k.tab(detached.tabId()).state(), "no other TTL cuts the session short");
        k.tick(detached.deadline());
        assertNull(k.session("s2"));
    }
}

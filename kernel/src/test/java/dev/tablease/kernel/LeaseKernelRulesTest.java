package dev.tablease.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tablease.kernel.KernelHarness.all;
import static dev.tablease.kernel.KernelHarness.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per rule of docs/protocol.md, each step checked by {@link KernelHarness}. */
class LeaseKernelRulesTest {

    private static final long MIN = 60_000;

    private final KernelHarness k = new KernelHarness();

    @Test
    void newSessionOpensATabAndIsGrantedWhenItOpens() {
        List<Decision> d = k.acquire(0, "s1", "chatgpt", "send");
        Decision.OpenTab open = find(d, Decision.OpenTab.class);
        assertEquals(new Decision.OpenTab(1, "chatgpt"), open);
        Decision.Queued q = find(d, Decision.Queued.class);
        assertEquals(5 * MIN, q.queueDeadline());
        assertEquals(TabState.OPENING, k.tab(1).state());
        assertEquals(1, k.session("s1").tabId(), "bound to the OPENING tab: the reservation");

        d = k.opened(5, 1, "T1");
        Decision.Granted g = find(d, Decision.Granted.class);
        assertEquals(q.requestId(), g.requestId());
        assertEquals("T1", g.targetId());
        assertEquals(1, g.token());
        assertEquals(5 + 3 * MIN, g.expiresAt(), "lastBeat + 3 missed beats of 60 s");
        assertEquals(15 * MIN + MIN, g.deadline(), "bind time 0 + default budget 15 min + margin 1 min");
        assertEquals(TabState.RESERVED, k.tab(1).state());
    }

    @Test
    void deadlineComesFromTheRequestClass() {
        Decision.Granted g = k.acquireOpened(1000, "s1", "gemini", "send", "pro");
        assertEquals(1000 + 5_400_000 + MIN, g.deadline());
    }

    @Test
    void heartbeatExtendsTheLeaseButNeverPastTheDeadline() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        Decision.Extended e = find(k.heartbeat(MIN, "s1", g.token()), Decision.Extended.class);
        assertEquals(MIN + 3 * MIN, e.expiresAt());
        for (long t = 2 * MIN; t < g.deadline() - MIN; t += MIN) {
            k.heartbeat(t, "s1", g.token());
        }
        e = find(k.heartbeat(g.deadline() - MIN, "s1", g.token()), Decision.Extended.class);
        assertEquals(g.deadline(), e.expiresAt(), "expiresAt = min(deadline, lastBeat + timeout)");
    }

    @Test
    void secondDriverOfASessionWaitsForTheLease() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        List<Decision> d = k.acquire(10, "s1", "a", "poll");
        assertNotNull(find(d, Decision.Queued.class));
        assertNull(find(d, Decision.Granted.class));
        d = k.release(20, "s1", send.token(), Outcome.DETACH);
        Decision.Granted poll = find(d, Decision.Granted.class);
        assertEquals("poll", poll.holder());
        assertEquals(send.tabId(), poll.tabId(), "same tab");
        assertTrue(poll.token() > send.token(), "a fresh token");
        assertNull(find(d, Decision.ResetTab.class), "a clean hand-over needs no reset");
    }

    @Test
    void detachedSessionKeepsItsTabAndReattaches() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        k.release(10, "s1", send.token(), Outcome.DETACH);
        assertEquals(TabState.RESERVED, k.tab(send.tabId()).state(), "reserved with no process attached");
        k.tick(5 * MIN);
        assertEquals(TabState.RESERVED, k.tab(send.tabId()).state());
        Decision.Granted poll = find(k.acquire(6 * MIN, "s1", "a", "poll"), Decision.Granted.class);
        assertEquals(send.tabId(), poll.tabId());
    }

    @Test
    void finishedSessionPoolsItsTabForTheNextSessionOfTheKeyAfterAReset() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        k.update(1, "s1", g.token(), "https://chat/c/1");
        List<Decision> d = k.release(10, "s1", g.token(), Outcome.COMPLETED);
        assertEquals(new Decision.ReservationEnded("s1", g.tabId(), EndReason.FINISHED),
                find(d, Decision.ReservationEnded.class));
        assertEquals(TabState.POOLED, k.tab(g.tabId()).state());
        assertEquals(10 + 30 * MIN, k.tab(g.tabId()).poolExpiresAt());
        assertNull(k.session("s1"));

        d = k.acquire(20, "s2", "a", "send");
        assertNull(find(d, Decision.OpenTab.class), "the pooled tab is reused");
        assertEquals(new Decision.ResetTab(g.tabId(), "T" + g.tabId()), d.get(0), "reset before it is driven");
        assertNull(find(d, Decision.Navigate.class), "s2 has no conversation yet");
        assertEquals(g.tabId(), find(d, Decision.Granted.class).tabId());
    }

    @Test
    void pooledTabExpiresAfterThePoolTtlAndIsClosed() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        k.release(10, "s1", g.token(), Outcome.COMPLETED);
        assertTrue(all(k.tick(10 + 30 * MIN - 1), Decision.CloseTab.class).isEmpty());
        List<Decision> d = k.tick(10 + 30 * MIN);
        assertEquals(new Decision.CloseTab(g.tabId(), "T" + g.tabId(), CloseReason.POOL_EXPIRED), d.get(0));
        assertEquals(TabState.CLOSING, k.tab(g.tabId()).state());
        k.closed(10 + 30 * MIN + 5, "T" + g.tabId());
        assertEquals(0, k.state().tabs().size());
    }

    @Test
    void perKeyCapQueuesAndAFreedTabGoesToTheWaiter() {
        for (int i = 1; i <= 3; i++) {
            k.acquireOpened(i, "s" + i, "a", "send" + i);
        }
        List<Decision> d = k.acquire(10, "s4", "a", "send4");
        assertNull(find(d, Decision.OpenTab.class), "the 4th tab of key a would break maxPerKey 3");
        assertNotNull(find(d, Decision.Queued.class));
        long token1 = k.session("s1").lease().token();
        d = k.release(20, "s1", token1, Outcome.COMPLETED);
        Decision.Granted g = find(d, Decision.Granted.class);
        assertEquals("s4", g.sessionId());
        assertEquals(k.session("s4").tabId(), g.tabId());
    }

    @Test
    void globalCapEvictsTheOldestIdleTabOfAnotherKey() {
        KernelHarness h = new KernelHarness(KernelConfig.builder().globalMax(3).build());
        Decision.Granted a1 = h.acquireOpened(0, "a1", "a", "x");
        Decision.Granted b1 = h.acquireOpened(1, "b1", "b", "x");
        h.acquireOpened(2, "b2", "b", "x");
        h.release(3, "a1", a1.token(), Outcome.COMPLETED);
        h.release(4, "b1", b1.token(), Outcome.COMPLETED);
        List<Decision> d = h.acquire(5, "c1", "c", "x");
        assertEquals(new Decision.CloseTab(a1.tabId(), "T" + a1.tabId(), CloseReason.EVICTED),
                find(d, Decision.CloseTab.class), "a1's tab was pooled longest ago");
        assertNotNull(find(d, Decision.Queued.class));
        d = h.acquire(6, "c2", "c", "y");
        assertNull(find(d, Decision.CloseTab.class), "one eviction at a time per key: c2 waits behind c1");
        d = h.closed(8, "T" + a1.tabId());
        Decision.OpenTab open = find(d, Decision.OpenTab.class);
        assertEquals("c", open.key());
        assertEquals("c1", h.tab(open.tabId()).sessionId(), "the slot goes to the oldest waiter");
        assertEquals(new Decision.CloseTab(b1.tabId(), "T" + b1.tabId(), CloseReason.EVICTED),
                find(d, Decision.CloseTab.class), "now c2 heads key c and evicts the next idle tab");
        d = h.acquire(9, "c3", "c", "z");
        assertNull(find(d, Decision.CloseTab.class), "no idle tab left to evict");
    }

    @Test
    void freedSlotGoesToTheOldestWaiterWhoseKeyIsUnderItsCap() {
        KernelHarness h = new KernelHarness(KernelConfig.builder().globalMax(4).maxPerKey(2).build());
        Decision.Granted a1 = h.acquireOpened(0, "a1", "a", "x");
        h.acquireOpened(0, "a2", "a", "x");
        Decision.Granted b1 = h.acquireOpened(0, "b1", "b", "x");
        h.acquireOpened(0, "b2", "b", "x");
        h.acquire(1, "a3", "a", "x"); // oldest waiter, but key a stays at its cap
        h.acquire(2, "c1", "c", "x");
        List<Decision> d = h.release(3, "b1", b1.token(), Outcome.COMPLETED);
        // the b tab is pooled; no b waiter; c1 (key c under cap) gets the global slot by eviction
        assertEquals(CloseReason.EVICTED, find(d, Decision.CloseTab.class).reason());
        d = h.closed(4, "T" + b1.tabId());
        assertEquals("c", find(d, Decision.OpenTab.class).key(), "no head-of-line blocking behind a3");
        d = h.release(5, "a1", a1.token(), Outcome.COMPLETED);
        assertEquals("a3", find(d, Decision.Granted.class).sessionId());
    }

    @Test
    void fullKeyQueueRejectsWithARetryAfterHint() {
        KernelHarness h = new KernelHarness(KernelConfig.builder().maxPerKey(1).queueCapacity(2).build());
        h.acquireOpened(0, "s1", "a", "x");
        h.acquire(1, "s2", "a", "x");
        h.acquire(2, "s3", "a", "x");
        Decision.Rejected r = find(h.acquire(3, "s4", "a", "x"), Decision.Rejected.class);
        assertEquals(RejectReason.QUEUE_FULL, r.reason());
        assertEquals(1 + 5 * MIN - 3, r.retryAfterMillis(), "the head waiter's queue deadline comes first");
        assertNull(h.session("s4"), "nothing was created");
    }

    @Test
    void waiterIsRejectedAtItsQueueDeadline() {
        KernelHarness h = new KernelHarness(KernelConfig.builder().maxPerKey(1).build());
        h.acquireOpened(0, "s1", "a", "x");
        Decision.Queued q = find(h.acquire(1, "s2", "a", "y"), Decision.Queued.class);
        List<Decision> d = h.tick(q.queueDeadline());
        Decision.Rejected r = find(d, Decision.Rejected.class);
        assertEquals(RejectReason.QUEUE_TIMEOUT, r.reason());
        assertEquals(q.requestId(), r.requestId());
        assertNull(h.session("s2"), "a session never bound is forgotten with its last waiter");
    }

    @Test
    void cancelledWaiterLeavesTheQueue() {
        KernelHarness h = new KernelHarness(KernelConfig.builder().maxPerKey(1).build());
        h.acquireOpened(0, "s1", "a", "x");
        Decision.Queued q = find(h.acquire(1, "s2", "a", "y"), Decision.Queued.class);
        Decision.Rejected r = find(h.apply(new Input.Cancel(2, q.requestId())), Decision.Rejected.class);
        assertEquals(RejectReason.CANCELLED, r.reason());
        assertNull(h.session("s2"));
        assertEquals(RefuseReason.UNKNOWN_REQUEST,
                find(h.apply(new Input.Cancel(3, q.requestId())), Decision.Refused.class).reason());
    }

    @Test
    void silentDriverIsRevokedAfterMissedHeartbeatsAndTheNextDriverGetsTheSameTabAfterAReset() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        k.update(1, "s1", send.token(), "https://chat/c/9");
        k.acquire(2, "s1", "a", "watcher");
        assertTrue(all(k.tick(3 * MIN - 1), Decision.Revoked.class).isEmpty());
        List<Decision> d = k.tick(3 * MIN);
        assertEquals(new Decision.Revoked("s1", "send", send.token(), RevokeReason.HEARTBEAT_MISSED), d.get(0));
        assertEquals(new Decision.ResetTab(send.tabId(), send.targetId()), d.get(1));
        assertEquals(new Decision.Navigate(send.tabId(), send.targetId(), "https://chat/c/9"), d.get(2));
        Decision.Granted w = assertInstanceOf(Decision.Granted.class, d.get(3));
        assertEquals("watcher", w.holder());
        assertEquals(send.tabId(), w.tabId());
    }

    @Test
    void staleTokenIsRefusedEverywhereAndChangesNothing() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        k.tick(3 * MIN); // send is revoked
        Decision.Granted poll = find(k.acquire(3 * MIN + 1, "s1", "a", "poll"), Decision.Granted.class);
        KernelState before = k.state();
        for (Input stale : List.<Input>of(
                new Input.Heartbeat(3 * MIN + 2, "s1", send.token()),
                new Input.UpdateSession(3 * MIN + 2, "s1", send.token(), "https://evil"),
                new Input.Release(3 * MIN + 2, "s1", send.token(), Outcome.COMPLETED))) {
            Decision.Refused r = assertInstanceOf(Decision.Refused.class, k.apply(stale).get(0));
            assertEquals(RefuseReason.STALE_TOKEN, r.reason());
            assertEquals(before, k.state());
        }
        assertNotNull(find(k.heartbeat(3 * MIN + 3, "s1", poll.token()), Decision.Extended.class));
    }

    @Test
    void expiredLeaseRefusesWritesEvenBeforeTheTick() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        KernelState before = k.state();
        Decision.Refused r = find(k.heartbeat(g.expiresAt(), "s1", g.token()), Decision.Refused.class);
        assertEquals(RefuseReason.LEASE_EXPIRED, r.reason());
        assertEquals(before, k.state());
    }

    @Test
    void deadlineEndsTheReservationAndTheLease() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        for (long t = MIN; t < g.deadline(); t += MIN) {
            k.heartbeat(t, "s1", g.token());
        }
        k.acquire(g.deadline() - 1, "s1", "a", "poll");
        List<Decision> d = k.tick(g.deadline());
        assertEquals(new Decision.Revoked("s1", "send", g.token(), RevokeReason.DEADLINE), d.get(0));
        assertEquals(RejectReason.SESSION_ENDED, find(d, Decision.Rejected.class).reason());
        assertEquals(EndReason.DEADLINE, find(d, Decision.ReservationEnded.class).reason());
        assertEquals(TabState.POOLED, k.tab(g.tabId()).state());
        assertTrue(k.tab(g.tabId()).needsReset());
        assertNull(k.session("s1"));
    }

    @Test
    void deadTabIsReplacedAtOnceUnderTheSameSlotAndNavigatedToTheConversation() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        k.update(1, "s1", send.token(), "https://chat/c/42");
        List<Decision> d = k.gone(2, send.targetId());
        assertEquals(new Decision.Revoked("s1", "send", send.token(), RevokeReason.TAB_GONE), d.get(0));
        Decision.OpenTab open = find(d, Decision.OpenTab.class);
        assertEquals(new Decision.ReservationMoved("s1", send.tabId(), open.tabId(), 1), d.get(1));
        assertEquals(open.tabId(), k.session("s1").tabId(), "bound to the replacement at once");
        assertEquals(1, k.session("s1").recoveryCount());
        assertNull(find(d, Decision.ReservationEnded.class), "the reservation moves, it does not end");

        d = k.acquire(3, "s1", "a", "send-retry");
        assertNull(find(d, Decision.OpenTab.class), "the driver waits for the replacement: exactly one new tab");
        d = k.acquire(4, "s1", "a", "watcher");
        assertNull(find(d, Decision.OpenTab.class));
        d = k.opened(5, open.tabId(), "T-new");
        assertEquals(new Decision.Navigate(open.tabId(), "T-new", "https://chat/c/42"), d.get(0));
        Decision.Granted g = assertInstanceOf(Decision.Granted.class, d.get(1));
        assertEquals("send-retry", g.holder());
        assertEquals(send.deadline(), g.deadline(), "recovery keeps the session's deadline");
        assertEquals(1, k.count(t -> t.key().equals("a")));
    }

    @Test
    void aCrashedSessionKeepsItsSlotAheadOfTheWaitersOfItsKey() {
        KernelHarness one = new KernelHarness(KernelConfig.builder().maxPerKey(1).globalMax(2).build());
        Decision.Granted send = one.acquireOpened(0, "s1", "a", "send");
        one.update(1, "s1", send.token(), "https://chat/c/1");
        one.acquire(2, "s2", "a", "other"); // waits: key a is at its cap
        List<Decision> d = one.gone(3, send.targetId());
        Decision.OpenTab open = find(d, Decision.OpenTab.class);
        assertNotNull(open);
        assertEquals(open.tabId(), one.session("s1").tabId(), "the slot stays with s1");
        assertTrue(one.session("s2").isWaiting(), "the waiter does not take the freed slot first");
        assertEquals(1, one.count(t -> t.key().equals("a")), "the key's count neither grows nor drops");
        d = one.opened(4, open.tabId(), "T2");
        d = one.acquire(5, "s1", "a", "poll");
        Decision.Granted poll = assertInstanceOf(Decision.Granted.class, d.get(d.size() - 1));
        assertEquals(open.tabId(), poll.tabId());
    }

    @Test
    void aDeadTabWithoutAConversationUrlEndsTheSessionAndFreesTheSlot() {
        KernelHarness one = new KernelHarness(KernelConfig.builder().maxPerKey(1).globalMax(2).build());
        Decision.Granted send = one.acquireOpened(0, "s1", "a", "send");
        one.acquire(1, "s1", "a", "watcher");
        one.acquire(2, "s2", "a", "other");
        List<Decision> d = one.gone(3, send.targetId());
        assertEquals(new Decision.Revoked("s1", "send", send.token(), RevokeReason.TAB_GONE), d.get(0));
        assertEquals(RejectReason.SESSION_ENDED, find(d, Decision.Rejected.class).reason(), "the watcher fails closed");
        assertEquals(new Decision.ReservationEnded("s1", send.tabId(), EndReason.TAB_GONE),
                find(d, Decision.ReservationEnded.class));
        assertNull(one.session("s1"), "nothing to recover: the session ends");
        assertEquals(one.session("s2").tabId(), find(d, Decision.OpenTab.class).tabId(), "the freed slot goes to s2");
    }

    @Test
    void recoveryCountGrowsWithEachMoveAndSurvivesARestore() {
        Decision.Granted send = k.acquireOpened(0, "s1", "a", "send");
        k.update(1, "s1", send.token(), "https://chat/c/7");
        String target = send.targetId();
        for (int i = 1; i <= 3; i++) {
            Decision.OpenTab open = find(k.gone(1 + i, target), Decision.OpenTab.class);
            target = "T-r" + i;
            k.opened(1 + i, open.tabId(), target);
            assertEquals(i, k.session("s1").recoveryCount());
        }
        LeaseKernel restored = LeaseKernel.restore(k.config(), k.state());
        assertEquals(3, restored.snapshot().sessions().get(0).recoveryCount());
    }

    @Test
    void openFailureRejectsTheDriversAndFreesTheSlot() {
        Decision.OpenTab open = find(k.acquire(0, "s1", "a", "send"), Decision.OpenTab.class);
        List<Decision> d = k.apply(new Input.TabOpenFailed(1, open.tabId(), "net::ERR"));
        assertEquals(RejectReason.OPEN_FAILED, find(d, Decision.Rejected.class).reason());
        assertEquals(0, k.state().tabs().size());
        assertEquals(0, k.session("s1").tabId());
        assertNotNull(find(k.acquire(2, "s1", "a", "send"), Decision.OpenTab.class), "a retry opens a new tab");
    }

    @Test
    void tabOpenedForASessionThatEndedIsPooledFresh() {
        Decision.OpenTab open = find(k.acquire(0, "s1", "a", "send"), Decision.OpenTab.class);
        k.tick(16 * MIN); // deadline passes while opening
        assertNull(k.session("s1"));
        k.opened(16 * MIN + 1, open.tabId(), "T1");
        assertEquals(TabState.POOLED, k.tab(open.tabId()).state());
        assertFalse(k.tab(open.tabId()).needsReset());
    }

    @Test
    void wrongTabAnswersAreRefused() {
        Decision.OpenTab open = find(k.acquire(0, "s1", "a", "send"), Decision.OpenTab.class);
        assertEquals(RefuseReason.UNKNOWN_TAB, find(k.opened(1, 99, "T9"), Decision.Refused.class).reason());
        k.opened(1, open.tabId(), "T1");
        assertEquals(RefuseReason.NOT_OPENING, find(k.opened(2, open.tabId(), "T2"), Decision.Refused.class).reason());
        k.acquire(2, "s2", "a", "send");
        long second = k.session("s2").tabId();
        assertEquals(RefuseReason.TARGET_IN_USE, find(k.opened(3, second, "T1"), Decision.Refused.class).reason());
        assertEquals(RefuseReason.NOT_CLOSING, find(k.closed(3, "T1"), Decision.Refused.class).reason());
        assertEquals(RefuseReason.UNKNOWN_TAB, find(k.gone(3, "nope"), Decision.Refused.class).reason());
    }

    @Test
    void sessionKeyAndClassCannotChange() {
        k.acquireOpened(0, "s1", "a", "send");
        assertEquals(RefuseReason.KEY_MISMATCH, find(k.acquire(1, "s1", "b", "x"), Decision.Refused.class).reason());
        assertEquals(RefuseReason.CLASS_MISMATCH,
                find(k.acquire(1, "s1", "a", "x", "pro"), Decision.Refused.class).reason());
    }

    @Test
    void nextDueAtIsTheEarliestExpiry() {
        assertEquals(Long.MAX_VALUE, k.kernel().nextDueAt());
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        assertEquals(g.expiresAt(), k.kernel().nextDueAt());
    }

    @Test
    void overdueSessionIsEndedBeforeAnyInputActsOnItSoNoLeaseIsGrantedExpired() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        k.release(1, "s1", g.token(), Outcome.DETACH);
        List<Decision> d = k.acquire(g.deadline() + 1, "s1", "a", "poll"); // no Tick in between
        assertEquals(new Decision.ReservationEnded("s1", g.tabId(), EndReason.DEADLINE), d.get(0));
        Decision.Granted fresh = find(d, Decision.Granted.class);
        assertTrue(fresh.expiresAt() > g.deadline() + 1, "a new session, with a live lease");
        assertTrue(fresh.deadline() > g.deadline());
    }

    @Test
    void tabOpeningPastItsSessionsDeadlineIsPooledInsteadOfGranted() {
        Decision.OpenTab open = find(k.acquire(0, "s1", "a", "send"), Decision.OpenTab.class);
        long deadline = k.session("s1").deadline();
        List<Decision> d = k.opened(deadline, open.tabId(), "T1");
        assertNull(find(d, Decision.Granted.class));
        assertEquals(EndReason.DEADLINE, find(d, Decision.ReservationEnded.class).reason());
        assertEquals(TabState.POOLED, k.tab(open.tabId()).state());
    }

    @Test
    void recoveredTabThatOpensWithNoDriverIsNavigatedAtTheNextGrant() {
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        k.update(0, "s1", g.token(), "https://chat/c/42");
        k.gone(1, g.targetId());
        Decision.Queued q = find(k.acquire(2, "s1", "a", "poll"), Decision.Queued.class);
        long newTab = k.session("s1").tabId();
        k.apply(new Input.Cancel(3, q.requestId()));
        assertTrue(k.opened(4, newTab, "T2").isEmpty(), "nobody to grant");
        List<Decision> d = k.acquire(5, "s1", "a", "watcher");
        assertEquals(new Decision.Navigate(newTab, "T2", "https://chat/c/42"), find(d, Decision.Navigate.class));
        assertInstanceOf(Decision.Granted.class, d.get(d.size() - 1));
    }
}

package dev.tablease.kernel;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker can fail: each invariant is shown to catch a deliberately broken state (or step), made by
 * corrupting one field of a state a correct kernel reached.
 */
class InvariantCheckerCatchesBrokenStatesTest {

    private final KernelConfig config = KernelConfig.defaults();
    private KernelState good;

    @BeforeEach
    void reachAState() {
        KernelHarness k = new KernelHarness(config);
        Decision.Granted g = k.acquireOpened(0, "s1", "a", "send");
        k.acquire(1, "s1", "a", "poll");
        Decision.Granted g2 = k.acquireOpened(2, "s2", "a", "send");
        k.release(3, "s2", g2.token(), Outcome.COMPLETED);
        k.acquire(4, "s3", "b", "send");
        good = k.state();
        assertEquals(List.of(), InvariantChecker.check(config, good));
        assertTrue(g.token() > 0);
    }

    private static KernelState withTabs(KernelState s, UnaryOperator<List<Tab>> f) {
        return new KernelState(s.lastNow(), s.nextToken(), s.nextTabId(), s.nextRequestId(), s.nextWaitSeq(),
                f.apply(new ArrayList<>(s.tabs())), s.sessions());
    }

    private static KernelState withSessions(KernelState s, UnaryOperator<List<Session>> f) {
        return new KernelState(s.lastNow(), s.nextToken(), s.nextTabId(), s.nextRequestId(), s.nextWaitSeq(),
                s.tabs(), f.apply(new ArrayList<>(s.sessions())));
    }

    private static Session session(KernelState s, String id) {
        return s.sessions().stream().filter(x -> x.sessionId().equals(id)).findFirst().orElseThrow();
    }

    private static List<Session> replace(List<Session> list, Session updated) {
        list.replaceAll(x -> x.sessionId().equals(updated.sessionId()) ? updated : x);
        return list;
    }

    private void assertCaught(InvariantChecker.Invariant expected, KernelState broken) {
        List<InvariantChecker.Violation> v = InvariantChecker.check(config, broken);
        assertTrue(v.stream().anyMatch(x -> x.invariant() == expected), "expected " + expected + " in " + v);
    }

    @Test
    void oneReservationPerTab() {
        Session s1 = session(good, "s1");
        Session s2 = new Session("s9", "a", "default", s1.tabId(), s1.deadline(), null, null, List.of(), 0, 0);
        assertCaught(InvariantChecker.Invariant.OneReservationPerTab, withSessions(good, l -> { l.add(s2); return l; }));
    }

    @Test
    void oneTabPerSession() {
        Session s1 = session(good, "s1");
        Session moved = new Session("s1", "a", "default", 404, s1.deadline(), null, s1.lease(), s1.drivers(), 0, 0);
        assertCaught(InvariantChecker.Invariant.OneTabPerSession, withSessions(good, l -> replace(l, moved)));
    }

    @Test
    void oneDriverPerSession() {
        Session s1 = session(good, "s1");
        DriverLease forged = new DriverLease("s1", "x", good.nextToken() + 5, s1.lease().lastBeat(), s1.lease().expiresAt());
        Session broken = new Session("s1", "a", "default", s1.tabId(), s1.deadline(), null, forged, s1.drivers(), 0, 0);
        assertCaught(InvariantChecker.Invariant.OneDriverPerSession, withSessions(good, l -> replace(l, broken)));
    }

    @Test
    void perKeyCapAndGlobalCap() {
        KernelConfig tight = KernelConfig.builder().maxPerKey(1).globalMax(1).build();
        List<InvariantChecker.Violation> v = InvariantChecker.check(tight, good);
        assertTrue(v.stream().anyMatch(x -> x.invariant() == InvariantChecker.Invariant.PerKeyCap), v.toString());
        assertTrue(v.stream().anyMatch(x -> x.invariant() == InvariantChecker.Invariant.GlobalCap), v.toString());
    }

    @Test
    void bindingIsReservation() {
        long tabOfS1 = session(good, "s1").tabId();
        KernelState pooledUnderSession = withTabs(good, l -> {
            l.replaceAll(t -> t.tabId() == tabOfS1
                    ? new Tab(t.tabId(), t.targetId(), t.key(), TabState.POOLED, null, 99, t.epoch(), false) : t);
            return l;
        });
        assertCaught(InvariantChecker.Invariant.BindingIsReservation, pooledUnderSession);
    }

    @Test
    void leaseWithinDeadline() {
        Session s1 = session(good, "s1");
        DriverLease l = s1.lease();
        DriverLease tooLong = new DriverLease("s1", l.holder(), l.token(), l.lastBeat(), s1.deadline() + 1);
        Session broken = new Session("s1", "a", "default", s1.tabId(), s1.deadline(), null, tooLong, s1.drivers(), 0, 0);
        assertCaught(InvariantChecker.Invariant.LeaseWithinDeadline, withSessions(good, x -> replace(x, broken)));
    }

    @Test
    void waitersAreWaiting() {
        Session s1 = session(good, "s1");
        Session noLease = new Session("s1", "a", "default", s1.tabId(), s1.deadline(), null, null, s1.drivers(), 0, 0);
        assertCaught(InvariantChecker.Invariant.WaitersAreWaiting, withSessions(good, x -> replace(x, noLease)));
    }

    @Test
    void typeOK() {
        KernelState repeated = withTabs(good, l -> { l.add(l.get(0)); return l; });
        assertCaught(InvariantChecker.Invariant.TypeOK, repeated);
    }

    @Test
    void nothingOverdue() {
        long expiresAt = session(good, "s1").lease().expiresAt();
        assertEquals(List.of(), InvariantChecker.checkAfterTick(good, expiresAt - 1));
        assertTrue(InvariantChecker.checkAfterTick(good, expiresAt).stream()
                .anyMatch(v -> v.invariant() == InvariantChecker.Invariant.NothingOverdue));
    }

    @Test
    void fencedWrites() {
        Session s1 = session(good, "s1");
        Input stale = new Input.Heartbeat(5, "s1", s1.lease().token() + 1);
        Session extended = new Session("s1", "a", "default", s1.tabId(), s1.deadline(), null,
                new DriverLease("s1", s1.lease().holder(), s1.lease().token(), 5, s1.lease().expiresAt() + 5),
                s1.drivers(), 0, 0);
        KernelState after = withSessions(good, x -> replace(x, extended));
        List<InvariantChecker.Violation> v = InvariantChecker.checkStep(good, stale,
                List.of(new Decision.Extended("s1", stale instanceof Input.Heartbeat h ? h.token() : 0, 0)), after);
        assertEquals(2, v.size(), v.toString());
        assertTrue(v.stream().allMatch(x -> x.invariant() == InvariantChecker.Invariant.FencedWrites));
        List<Decision> refused = List.of(new Decision.Refused("Heartbeat", RefuseReason.STALE_TOKEN, "x"));
        assertEquals(List.of(), InvariantChecker.checkStep(good, stale, refused, good));
    }
}

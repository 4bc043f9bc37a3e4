package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks can fail: each case weakens one guard of the new spec, on a copy of TabLease.tla, and
 * asserts that TLC catches it with the expected property. The original text must occur exactly once
 * in the spec, so a change to the spec that silently disarms a mutation fails this test.
 */
class WeakenedGuardsAreCaughtTest {

    static Stream<Arguments> weakenedGuards() {
        return Stream.of(
                Arguments.of("no per-key cap", "TabLeaseOneKey.cfg",
                        "underKeyCap == Cardinality(kt) < MaxPerKeyOf(k)",
                        "underKeyCap == TRUE",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant PerKeyCap is violated."),
                Arguments.of("no global cap", "TabLeaseSafety.cfg",
                        "ELSE IF underKeyCap /\\ Cardinality(DOMAIN st.tabs) < GlobalMax THEN",
                        "ELSE IF underKeyCap THEN",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant GlobalCap is violated."),
                Arguments.of("stale token accepted", "TabLeaseSafety.cfg",
                        "    /\\ sessions[s].lease.token = tok\n",
                        "",
                        Tlc.VIOLATION_LIVENESS, "Error: Action property FencedWrites is violated."),
                Arguments.of("lease expiry ignores the deadline", "TabLeaseSafety.cfg",
                        "expiresAt |-> Min(ss.deadline, now + HeartbeatTimeout)",
                        "expiresAt |-> now + HeartbeatTimeout",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant LeaseWithinDeadline is violated."),
                Arguments.of("grant skips the reset", "TabLeaseSafety.cfg",
                        "!.tabs[ss.tabId].needsReset = FALSE,",
                        "",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant ResetBeforeDrive is violated."),
                Arguments.of("tick skips the queue deadline", "TabLeaseSafety.cfg",
                        "SelectSeq(@, LAMBDA w : w.queueDeadline > now)",
                        "@",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant NothingOverdue is violated."),
                Arguments.of("binding without its reservation", "TabLeaseSafety.cfg",
                        "               !.tabs[t].state = state,\n               !.tabs[t].sessionId = s,\n",
                        "               !.tabs[t].state = state,\n",
                        Tlc.VIOLATION_SAFETY, "Error: Invariant BindingIsReservation is violated."),
                Arguments.of("a crashed session loses its slot", "TabLeaseSafety.cfg",
                        "THEN MoveReservation(st1, s, now)",
                        "THEN st1",
                        Tlc.VIOLATION_LIVENESS, "Error: Action property RecoveryKeepsSlot is violated."),
                // liveness: a silent driver keeps its lease until the deadline (TLC names no temporal
                // property; the liveness cfg checks SilentDriverLosesLease among others)
                Arguments.of("no heartbeat expiry", "TabLeaseLiveness.cfg",
                        "RevokedAt(st, now) == {s \\in DOMAIN st.sessions : Leased(st, s) /\\ st.sessions[s].lease.expiresAt <= now}",
                        "RevokedAt(st, now) == {}",
                        Tlc.VIOLATION_LIVENESS, "Error: Temporal properties were violated."));
    }

    @ParameterizedTest(name = "{0}: caught by {5}")
    @MethodSource("weakenedGuards")
    void tlcCatchesTheWeakenedGuard(String name, String cfg, String original, String weakened, int exitCode,
                                    String expected) {
        Tlc.Result r = TlcRuns.run("weakened-" + name.replace(' ', '-'), TlcRuns.specDir(), "TabLease", cfg, original,
                weakened, Duration.ofMinutes(10));
        assertEquals(exitCode, r.exitCode(), "TLC did not catch '" + name + "' as expected" + Tlc.excerpt(r));
        assertTrue(r.reports(expected), "expected '" + expected + "'" + Tlc.excerpt(r));
        assertTrue(r.reports("State 1: <Initial predicate>"), "no counterexample trace" + Tlc.excerpt(r));
    }
}

package dev.tablease.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the protocol's invariants on a {@link KernelState}. The names are those of
 * {@code docs/protocol.md}, the TLA+ spec and DESIGN.md's list. Pure: the tests call it after every
 * step; {@link LeaseKernel#restore} calls it on every snapshot it is given.
 */
public final class InvariantChecker {

    /** The invariants, named as in the spec. */
    public enum Invariant {
        /** Ids, counters and per-state fields are consistent (the spec's TypeOK). */
        TypeOK,
        /** No two sessions are bound to the same tab. */
        OneReservationPerTab,
        /** A session is bound to at most one tab, and that tab exists. */
        OneTabPerSession,
        /** At most one lease per session; lease tokens are unique and were handed out. */
        OneDriverPerSession,
        /** For each key, its tabs in every state are at most {@code maxPerKey(key)}. */
        PerKeyCap,
        /** All tabs are at most {@code globalMax}. */
        GlobalCap,
        /** A session is bound to a tab iff that tab is RESERVED for it or OPENING on its behalf. */
        BindingIsReservation,
        /** An input whose token is not the current lease's changes nothing (a step property). */
        FencedWrites,
        /**
         * A session whose RESERVED tab dies while it has a conversation URL (and is not past its deadline) is
         * still bound after the step, to a new tab of its key, with its recovery counted: it keeps its slot,
         * no waiter takes it first (a step property).
         */
        RecoveryKeepsSlot,
        /** After {@code Tick(now)} nothing is due at or before {@code now}. */
        NothingOverdue,
        /** Every lease has {@code expiresAt = min(deadline, lastBeat + heartbeatTimeout)}. */
        LeaseWithinDeadline,
        /** A session with waiting drivers has a lease, waits for a tab, or its tab is OPENING. */
        WaitersAreWaiting
    }

    /** One broken invariant, with what breaks it. */
    public record Violation(Invariant invariant, String detail) {
        @Override
        public String toString() {
            return invariant + ": " + detail;
        }
    }

    private InvariantChecker() {
    }

    /**
     * Checks the state invariants (not {@code NothingOverdue}, which holds only after a tick).
     *
     * @param config the configuration the state must respect (its caps)
     * @param state  the state to check
     * @return every violation of the state invariants; empty when all hold
     */
    public static List<Violation> check(KernelConfig config, KernelState state) {
        List<Violation> v = new ArrayList<>();
        Map<Long, Tab> tabs = new HashMap<>();
        Map<String, Integer> perKey = new HashMap<>();
        Set<String> targets = new HashSet<>();
        for (Tab t : state.tabs()) {
            if (t.tabId() <= 0 || t.tabId() >= state.nextTabId() || tabs.put(t.tabId(), t) != null) {
                v.add(new Violation(Invariant.TypeOK, "tab id " + t.tabId() + " is out of range or repeated"));
            }
            if (t.key() == null || t.state() == null) {
                v.add(new Violation(Invariant.TypeOK, "tab " + t.tabId() + " has no key or no state"));
                continue;
            }
            perKey.merge(t.key(), 1, Integer::sum);
            if ((t.targetId() == null) != (t.state() == TabState.OPENING)) {
                v.add(new Violation(Invariant.TypeOK, "tab " + t.tabId() + " is " + t.state()
                        + " with targetId " + t.targetId() + " (only OPENING tabs have none)"));
            }
            if (t.targetId() != null && !targets.add(t.targetId())) {
                v.add(new Violation(Invariant.TypeOK, "target " + t.targetId() + " belongs to two tabs"));
            }
            if ((t.poolExpiresAt() > 0) != (t.state() == TabState.POOLED)) {
                v.add(new Violation(Invariant.TypeOK, "tab " + t.tabId() + " is " + t.state()
                        + " with poolExpiresAt " + t.poolExpiresAt()));
            }
        }
        perKey.forEach((key, n) -> {
            if (n > config.maxPerKey(key)) {
                v.add(new Violation(Invariant.PerKeyCap, "key " + key + " has " + n + " tabs, cap " + config.maxPerKey(key)));
            }
        });
        if (state.tabs().size() > config.globalMax()) {
            v.add(new Violation(Invariant.GlobalCap, state.tabs().size() + " tabs, cap " + config.globalMax()));
        }

        Map<Long, String> boundBy = new HashMap<>();
        Map<String, Session> sessions = new HashMap<>();
        Set<Long> tokens = new HashSet<>();
        Set<Long> requests = new HashSet<>();
        Set<Long> waitSeqs = new HashSet<>();
        for (Session s : state.sessions()) {
            sessions.put(s.sessionId(), s);
            if (s.isBound()) {
                String other = boundBy.put(s.tabId(), s.sessionId());
                if (other != null) {
                    v.add(new Violation(Invariant.OneReservationPerTab,
                            "tab " + s.tabId() + " is bound to " + other + " and " + s.sessionId()));
                }
                Tab t = tabs.get(s.tabId());
                if (t == null) {
                    v.add(new Violation(Invariant.OneTabPerSession,
                            "session " + s.sessionId() + " is bound to tab " + s.tabId() + ", which does not exist"));
                } else if (!s.sessionId().equals(t.sessionId())
                        || (t.state() != TabState.RESERVED && t.state() != TabState.OPENING)) {
                    v.add(new Violation(Invariant.BindingIsReservation, "session " + s.sessionId() + " is bound to tab "
                            + t.tabId() + ", which is " + t.state() + " for " + t.sessionId()));
                }
                if (s.isWaiting()) {
                    v.add(new Violation(Invariant.TypeOK, "session " + s.sessionId() + " is bound and waiting"));
                }
                if (s.deadline() <= 0) {
                    v.add(new Violation(Invariant.TypeOK, "bound session " + s.sessionId() + " has no deadline"));
                }
            }
            if (s.isWaiting() && (s.waitSeq() < 0 || s.waitSeq() >= state.nextWaitSeq() || !waitSeqs.add(s.waitSeq()))) {
                v.add(new Violation(Invariant.TypeOK, "session " + s.sessionId() + " has waitSeq " + s.waitSeq()));
            }
            if (s.recoveryCount() < 0) {
                v.add(new Violation(Invariant.TypeOK, "session " + s.sessionId() + " has recoveryCount " + s.recoveryCount()));
            }
            if (s.isWaiting() && s.drivers().isEmpty()) {
                v.add(new Violation(Invariant.TypeOK, "session " + s.sessionId() + " waits for a tab with no driver"));
            }
            if (!s.isBound() && !s.isWaiting() && s.deadline() == 0) {
                v.add(new Violation(Invariant.TypeOK, "session " + s.sessionId() + " was never bound and does not wait"));
            }
            DriverLease l = s.lease();
            if (l != null) {
                if (!s.sessionId().equals(l.sessionId()) || l.token() <= 0 || l.token() >= state.nextToken()
                        || !tokens.add(l.token())) {
                    v.add(new Violation(Invariant.OneDriverPerSession, "session " + s.sessionId() + " has lease " + l));
                }
                Tab t = tabs.get(s.tabId());
                if (t == null || t.state() != TabState.RESERVED) {
                    v.add(new Violation(Invariant.BindingIsReservation,
                            "session " + s.sessionId() + " has a lease without a RESERVED tab"));
                }
                long expected = Math.min(s.deadline(), l.lastBeat() + config.heartbeatTimeoutMillis());
                if (l.expiresAt() != expected) {
                    v.add(new Violation(Invariant.LeaseWithinDeadline, "session " + s.sessionId() + " lease expires at "
                            + l.expiresAt() + ", not min(deadline, lastBeat + heartbeatTimeout) = " + expected));
                }
            }
            for (DriverWaiter w : s.drivers()) {
                if (w.requestId() <= 0 || w.requestId() >= state.nextRequestId() || !requests.add(w.requestId())) {
                    v.add(new Violation(Invariant.TypeOK, "request id " + w.requestId() + " is out of range or repeated"));
                }
            }
            boolean opening = s.isBound() && tabs.containsKey(s.tabId()) && tabs.get(s.tabId()).state() == TabState.OPENING;
            if (!s.drivers().isEmpty() && l == null && !s.isWaiting() && !opening) {
                v.add(new Violation(Invariant.WaitersAreWaiting,
                        "session " + s.sessionId() + " has waiting drivers but no lease, no tab request and no opening tab"));
            }
        }
        for (Tab t : state.tabs()) {
            if (t.state() == null) {
                continue;
            }
            boolean needsSession = t.state() == TabState.RESERVED;
            boolean mayHaveSession = needsSession || t.state() == TabState.OPENING;
            if (t.sessionId() == null ? needsSession : !mayHaveSession) {
                v.add(new Violation(Invariant.BindingIsReservation,
                        "tab " + t.tabId() + " is " + t.state() + " for session " + t.sessionId()));
            }
            if (t.sessionId() != null) {
                Session s = sessions.get(t.sessionId());
                if (s == null || s.tabId() != t.tabId()) {
                    v.add(new Violation(Invariant.BindingIsReservation, "tab " + t.tabId() + " is " + t.state()
                            + " for session " + t.sessionId() + ", which is not bound to it"));
                }
            }
        }
        return v;
    }

    /**
     * Checks {@code NothingOverdue} in a state reached by {@code Tick(now)}.
     *
     * @param state the state after the tick
     * @param now   the tick's time, in milliseconds
     * @return the violations: a lease, a deadline, a pooled tab or a waiter due at or before {@code now}
     */
    public static List<Violation> checkAfterTick(KernelState state, long now) {
        List<Violation> v = new ArrayList<>();
        for (Tab t : state.tabs()) {
            if (t.state() == TabState.POOLED && t.poolExpiresAt() <= now) {
                v.add(new Violation(Invariant.NothingOverdue, "tab " + t.tabId() + " pooled until " + t.poolExpiresAt()));
            }
        }
        for (Session s : state.sessions()) {
            if (s.lease() != null && s.lease().expiresAt() <= now) {
                v.add(new Violation(Invariant.NothingOverdue, "lease of " + s.sessionId() + " expired at " + s.lease().expiresAt()));
            }
            if (s.deadline() != 0 && s.deadline() <= now) {
                v.add(new Violation(Invariant.NothingOverdue, "session " + s.sessionId() + " deadline " + s.deadline()));
            }
            for (DriverWaiter w : s.drivers()) {
                if (w.queueDeadline() <= now) {
                    v.add(new Violation(Invariant.NothingOverdue, "request " + w.requestId() + " waited until " + w.queueDeadline()));
                }
            }
        }
        return v;
    }

    /**
     * The step property {@code FencedWrites}: a {@link Input.Heartbeat}, {@link Input.Release} or
     * {@link Input.UpdateSession} whose token is not the session's current, unexpired lease token, and
     * any input answered with {@link Decision.Refused}, leaves the state exactly as it was.
     *
     * @param before    the state before the step
     * @param input     the input applied
     * @param decisions the decisions the kernel made for it
     * @param after     the state after the step
     * @return the violation, if the step breaks it
     */
    public static List<Violation> checkStep(KernelState before, Input input, List<Decision> decisions,
                                            KernelState after) {
        boolean refused = decisions.stream().anyMatch(d -> d instanceof Decision.Refused);
        boolean fencedOut = false;
        String sessionId = null;
        long token = 0;
        if (input instanceof Input.Heartbeat h) {
            sessionId = h.sessionId();
            token = h.token();
        } else if (input instanceof Input.Release r) {
            sessionId = r.sessionId();
            token = r.token();
        } else if (input instanceof Input.UpdateSession u) {
            sessionId = u.sessionId();
            token = u.token();
        }
        if (sessionId != null) {
            String id = sessionId;
            DriverLease lease = before.sessions().stream().filter(s -> s.sessionId().equals(id))
                    .map(Session::lease).filter(Objects::nonNull).findFirst().orElse(null);
            fencedOut = lease == null || lease.token() != token || lease.expiresAt() <= input.now();
        }
        List<Violation> v = new ArrayList<>();
        if ((refused || fencedOut) && !before.equals(after)) {
            v.add(new Violation(Invariant.FencedWrites, input + " was " + (refused ? "refused" : "fenced out")
                    + " but changed the state"));
        }
        if (fencedOut && !refused) {
            v.add(new Violation(Invariant.FencedWrites, input + " carried a stale token and was not refused"));
        }
        if (input instanceof Input.TabGone g && !refused) {
            recoveryKeepsSlot(before, g, after, v);
        }
        return v;
    }

    private static void recoveryKeepsSlot(KernelState before, Input.TabGone g, KernelState after, List<Violation> v) {
        Tab dead = before.tabs().stream().filter(t -> g.targetId().equals(t.targetId())).findFirst().orElse(null);
        if (dead == null || dead.state() != TabState.RESERVED || dead.sessionId() == null) {
            return;
        }
        Session s = before.sessions().stream().filter(x -> x.sessionId().equals(dead.sessionId())).findFirst().orElse(null);
        if (s == null || s.conversationUrl() == null || s.deadline() <= g.now()) {
            return;
        }
        Session moved = after.sessions().stream().filter(x -> x.sessionId().equals(s.sessionId())).findFirst().orElse(null);
        Tab to = moved == null ? null
                : after.tabs().stream().filter(t -> t.tabId() == moved.tabId()).findFirst().orElse(null);
        if (moved == null || to == null || to.tabId() == dead.tabId() || !to.key().equals(dead.key())
                || !s.sessionId().equals(to.sessionId()) || moved.recoveryCount() != s.recoveryCount() + 1) {
            v.add(new Violation(Invariant.RecoveryKeepsSlot, "tab " + dead.tabId() + " of session " + s.sessionId()
                    + " died and the session lost its slot: after " + g + " it is " + moved));
        }
    }
}

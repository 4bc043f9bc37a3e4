package dev.tablease.kernel;

import dev.tablease.kernel.internal.EntrySlots;
import dev.tablease.kernel.internal.IndexedHeap;
import dev.tablease.kernel.internal.KeyEntry;
import dev.tablease.kernel.internal.PooledTabs;
import dev.tablease.kernel.internal.SessionEntry;
import dev.tablease.kernel.internal.StepDecisions;
import dev.tablease.kernel.internal.TabEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure single-deadline lease protocol (see {@code docs/protocol.md}): a deterministic state
 * machine. {@link #apply(Input)} takes one input and returns the decisions; the same inputs from the
 * same state give the same decisions and the same state, every time. No clock, no threads, no I/O.
 *
 * <p><b>Not thread-safe.</b> Use {@link SharedLeaseKernel} to share one kernel between threads.
 *
 * <p>Invariants (checked by {@link InvariantChecker} after every step in the tests): one reservation
 * per tab, one tab and at most one driver lease per session, per-key and global caps over tabs in
 * every state, a session is bound to a tab iff that tab is RESERVED for it or OPENING on its behalf,
 * stale tokens change nothing, and after a {@link Input.Tick} nothing is overdue.
 *
 * <p>Costs ({@code docs/benchmarks.md} measures them): every index is a hash map by id, an indexed
 * 4-ary heap ({@link IndexedHeap}: lease expiries, deadlines, each key's bound sessions), a sorted
 * linked list ({@link PooledTabs}: pooled tabs, of all keys and of each key; O(1), as time only moves
 * forward, except for the tabs pooled in one millisecond) or a balanced tree (each key's FIFO of
 * waiting sessions, waiters' queue deadlines, the servable keys), so an input costs O(log n) in the
 * number of tabs, sessions and waiters per decision it emits. Dispatch walks only the
 * <em>servable</em> keys (waiters, and a pooled tab or room under the key's cap) from the oldest head,
 * and stops at the first head that acts or at the first that cannot act while nothing is pooled:
 * O((1 + c) log n) per grant, open or eviction, c the number of CLOSING tabs. Two paths are not logarithmic, and both are outside the facade's use: after an input
 * that skipped a due {@code Tick} left a session overdue, dispatch scans every key with waiters once
 * (that is the exact rule, and the facade always ticks first); a session's own driver queue is scanned
 * when a driver leaves it (bounded by {@code queueCapacity}).
 */
public final class LeaseKernel {

    private final KernelConfig config;
    /**
     * The request classes and {@code config.reservationMillis} of each, side by side: a few entries,
     * matched by identity first (callers pass the same constant strings), then by equality, with no
     * hashing (the hash of a string literal shared with the JDK's archive is recomputed on every call).
     */
    private final String[] requestClasses;
    private final long[] reservationMillisByClass;

    private long lastNow;
    private long nextToken;
    private long nextTabId;
    private long nextRequestId;
    private long nextWaitSeq;

    private final Map<Long, TabEntry> tabs = new HashMap<>();
    private final Map<String, TabEntry> tabsByTarget = new HashMap<>();
    private final Map<String, KeyEntry> keys = new HashMap<>();
    /** The keys whose queue of waiting sessions is not empty (dispatch looks at these only). */
    private final Set<KeyEntry> waitingKeys = new LinkedHashSet<>();
    /**
     * The keys whose head waiting session dispatch could serve now (it has a pooled tab, or the key is
     * under its cap), by the head's {@code waitSeq}: the only heads dispatch looks at.
     */
    private final NavigableSet<KeyEntry> servable = new TreeSet<>(Comparator.comparingLong(k -> k.servableSeq));
    /** Every tab in {@link #tabs} has a slot here (the heaps hold slots). */
    private final EntrySlots<TabEntry> tabSlots = new EntrySlots<>();
    /** The sessions, each at a slot (the heaps hold slots) and found by id ({@link EntrySlots#byName}). */
    private final EntrySlots<SessionEntry> sessions = new EntrySlots<>(true);
    /** The pooled tabs in pool order, of all keys and of each key. */
    private final PooledTabs pooled = new PooledTabs(tabSlots);
    private final IndexedHeap<SessionEntry> leaseExpiries = SessionEntry.leaseHeap(sessions);
    private final IndexedHeap<SessionEntry> deadlines = SessionEntry.deadlineHeap(sessions, false);
    private final Map<Long, SessionEntry> waitingRequests = new HashMap<>();
    private final NavigableSet<DriverWaiter> queueDeadlines = new TreeSet<>(
            Comparator.comparingLong(DriverWaiter::queueDeadline).thenComparingLong(DriverWaiter::requestId));
    private int closing;

    /** Scratch: {@code now} of the step in progress. */
    private long now;

    /**
     * A kernel with no tabs and no sessions.
     *
     * @param config the configuration to enforce
     */
    public LeaseKernel(KernelConfig config) {
        this(config, KernelState.initial());
    }

    private LeaseKernel(KernelConfig config, KernelState state) {
        this.config = Require.nonNull(config, "config");
        requestClasses = config.requestClassBudgetsMillis().keySet().toArray(new String[0]);
        reservationMillisByClass = new long[requestClasses.length];
        for (int i = 0; i < requestClasses.length; i++) {
            reservationMillisByClass[i] = config.reservationMillis(requestClasses[i]);
        }
        load(state);
    }

    /**
     * Rebuilds a kernel from a snapshot (for example one read back from a file).
     *
     * @param config the configuration to enforce
     * @param state  the snapshot, as returned by {@link #snapshot()}
     * @return a kernel in exactly that state
     * @throws InvalidStateException when the snapshot is inconsistent or breaks an invariant under
     *                               {@code config}; nothing is built then
     */
    public static LeaseKernel restore(KernelConfig config, KernelState state) {
        Require.nonNull(config, "config");
        Require.nonNull(state, "state");
        List<InvariantChecker.Violation> violations = InvariantChecker.check(config, state);
        if (!violations.isEmpty()) {
            throw new InvalidStateException(violations);
        }
        return new LeaseKernel(config, state);
    }

    /** @return the configuration this kernel enforces */
    public KernelConfig config() {
        return config;
    }

    /** @return the largest {@code now} accepted so far, in milliseconds */
    public long lastNow() {
        return lastNow;
    }

    /**
     * @return the earliest time at which a {@link Input.Tick} would expire something (a lease, a
     * deadline, a pooled tab, a waiter), in milliseconds; {@link Long#MAX_VALUE} when nothing is due
     */
    public long nextDueAt() {
        long due = Math.min(Math.min(leaseExpiries.peekKey(), deadlines.peekKey()), pooled.oldestExpiresAt());
        if (!queueDeadlines.isEmpty()) {
            due = Math.min(due, queueDeadlines.first().queueDeadline());
        }
        return due;
    }

    /** @return the number of tabs in every state (what {@code globalMax} caps) */
    public int tabCount() {
        return tabs.size();
    }

    /** @return the number of sessions the kernel knows (waiting, bound or unbound) */
    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Applies one input.
     *
     * @param input the input, whose {@code now} must not be smaller than {@link #lastNow()}
     * @return the decisions, in the order the adapter must carry them out
     * @throws InvalidInputException when the input is malformed, goes back in time or names an unknown
     *                               request class; the state is then unchanged
     */
    public List<Decision> apply(Input input) {
        Require.nonNull(input, "input");
        return decide(input, input.now()).freeze();
    }

    /**
     * {@link #apply(Input)} with {@code input.now()} already read (one interface call fewer per step for
     * {@link SharedLeaseKernel}, which reads it first), returning the step's collector: the facade turns
     * it into a list after it has released its lock.
     */
    StepDecisions decide(Input input, long inputNow) {
        if (inputNow < lastNow) {
            throw new InvalidInputException(InvalidInputException.Problem.TIME_WENT_BACKWARDS,
                    input.name() + " at now=" + inputNow + " is before the last accepted now=" + lastNow);
        }
        if (input instanceof Input.Acquire a) {
            reservationMillis(a.requestClass()); // refuses an unknown class before any change
        }
        now = inputNow;
        String sessionId = sessionIdOf(input);
        SessionEntry s = sessionId == null ? null : sessions.byName(sessionId); // looked up once per step
        Decision.Refused refused = input instanceof Input.Release r
                ? leaseRefusal(input, s, r.sessionId(), r.token()) // the hot inputs first: small methods, inlined
                : input instanceof Input.Acquire a ? acquireRefusal(a, s) : refusal(input, s);
        StepDecisions out = new StepDecisions();
        if (refused != null) {
            out.append(refused);
            return out;
        }
        lastNow = now;
        if (input instanceof Input.Acquire a) {
            acquire(out, a, s);
        } else if (input instanceof Input.Heartbeat) {
            heartbeat(out, s);
        } else if (input instanceof Input.Release r) {
            release(out, r, s);
        } else if (input instanceof Input.UpdateSession u) {
            updateSession(out, u, s);
        } else if (input instanceof Input.Cancel c) {
            cancel(out, c);
        } else if (input instanceof Input.TabOpened o) {
            tabOpened(out, o);
        } else if (input instanceof Input.TabOpenFailed f) {
            tabOpenFailed(out, f);
        } else if (input instanceof Input.TabGone g) {
            tabGone(out, g);
        } else if (input instanceof Input.TabClosed c) {
            tabClosed(out, c);
        } else if (input instanceof Input.Tick) {
            tick(out);
        } else {
            throw new AssertionError("unhandled input " + input);
        }
        return out;
    }

    // ---------------------------------------------------------------- refusals (nothing changes)

    /** @return the session an input names (Acquire, Heartbeat, Release, UpdateSession), else null */
    private static String sessionIdOf(Input input) {
        if (input instanceof Input.Acquire a) {
            return a.sessionId();
        }
        if (input instanceof Input.Release r) {
            return r.sessionId();
        }
        if (input instanceof Input.Heartbeat h) {
            return h.sessionId();
        }
        return input instanceof Input.UpdateSession u ? u.sessionId() : null;
    }

    /**
     * @return the refusal for a well-formed input other than {@code Acquire} and {@code Release} (checked
     *         first by {@link #apply}) that names something unknown or stale, else null
     */
    private Decision.Refused refusal(Input input, SessionEntry s) {
        if (input instanceof Input.Heartbeat h) {
            return leaseRefusal(input, s, h.sessionId(), h.token());
        }
        if (input instanceof Input.UpdateSession u) {
            return leaseRefusal(input, s, u.sessionId(), u.token());
        }
        if (input instanceof Input.Cancel c) {
            return waitingRequests.containsKey(c.requestId()) ? null
                    : new Decision.Refused(input.name(), RefuseReason.UNKNOWN_REQUEST, "no waiting request " + c.requestId());
        }
        if (input instanceof Input.TabOpened o) {
            Decision.Refused r = openingRefusal(input, o.tabId());
            if (r == null && tabsByTarget.containsKey(o.targetId())) {
                r = new Decision.Refused(input.name(), RefuseReason.TARGET_IN_USE,
                        "target " + o.targetId() + " is already tab " + tabsByTarget.get(o.targetId()).tabId);
            }
            return r;
        }
        if (input instanceof Input.TabOpenFailed f) {
            return openingRefusal(input, f.tabId());
        }
        if (input instanceof Input.TabGone g) {
            return tabsByTarget.containsKey(g.targetId()) ? null
                    : new Decision.Refused(input.name(), RefuseReason.UNKNOWN_TAB, "no tab with target " + g.targetId());
        }
        if (input instanceof Input.TabClosed c) {
            TabEntry t = tabsByTarget.get(c.targetId());
            if (t == null) {
                return new Decision.Refused(input.name(), RefuseReason.UNKNOWN_TAB, "no tab with target " + c.targetId());
            }
            return t.state() == TabState.CLOSING ? null
                    : new Decision.Refused(input.name(), RefuseReason.NOT_CLOSING, "tab " + t.tabId + " is " + t.state());
        }
        return null;
    }

    private Decision.Refused acquireRefusal(Input.Acquire a, SessionEntry s) {
        if (s == null || overdue(s)) {
            return null; // a new session, or the session is over: the Acquire starts a new one
        }
        if (!s.key.equals(a.key())) {
            return new Decision.Refused(a.name(), RefuseReason.KEY_MISMATCH,
                    "session " + a.sessionId() + " has key " + s.key + ", not " + a.key());
        }
        if (!s.requestClass.equals(a.requestClass())) {
            return new Decision.Refused(a.name(), RefuseReason.CLASS_MISMATCH,
                    "session " + a.sessionId() + " has request class " + s.requestClass + ", not " + a.requestClass());
        }
        return null;
    }

    private Decision.Refused leaseRefusal(Input input, SessionEntry s, String sessionId, long token) {
        if (s == null) {
            return new Decision.Refused(input.name(), RefuseReason.UNKNOWN_SESSION, "no session " + sessionId);
        }
        if (!s.leased()) {
            return new Decision.Refused(input.name(), RefuseReason.NO_LEASE, "session " + sessionId + " has no driver lease");
        }
        if (s.leaseToken != token) {
            return new Decision.Refused(input.name(), RefuseReason.STALE_TOKEN,
                    "token " + token + " is not the current token of session " + sessionId);
        }
        if (s.leaseExpiresAt <= now) {
            return new Decision.Refused(input.name(), RefuseReason.LEASE_EXPIRED,
                    "the lease of session " + sessionId + " expired at " + s.leaseExpiresAt);
        }
        return null;
    }

    private Decision.Refused openingRefusal(Input input, long tabId) {
        TabEntry t = tabs.get(tabId);
        if (t == null) {
            return new Decision.Refused(input.name(), RefuseReason.UNKNOWN_TAB, "no tab " + tabId);
        }
        return t.state() == TabState.OPENING ? null
                : new Decision.Refused(input.name(), RefuseReason.NOT_OPENING, "tab " + tabId + " is " + t.state());
    }

    // ---------------------------------------------------------------- inputs

    private void acquire(StepDecisions out, Input.Acquire a, SessionEntry s) {
        if (s != null && overdue(s)) {
            endSession(out, s, EndReason.DEADLINE); // as the Tick would have; then this is a new session
            s = null;
        }
        long requestId = nextRequestId++;
        if (s == null) {
            KeyEntry k = key(a.key());
            if (waitingKeys.isEmpty() && !k.pooled.isEmpty()) {
                // Nobody waits and the key has a pooled tab: queueing the new session and dispatching would
                // serve it at once with the key's oldest pooled tab. Do exactly that, without the queues.
                s = newSession(a, k);
                nextWaitSeq++; // the waitSeq it would have held for that instant
                bind(s, pooled.oldest(k), TabState.RESERVED);
                grant(out, s, requestId, a.holder(), true);
                return;
            }
            if (k.waiting.size() >= config.queueCapacity()) {
                out.append(new Decision.Rejected(requestId, a.sessionId(), a.holder(), RejectReason.QUEUE_FULL,
                        keyRetryAfter(k)));
                return;
            }
            s = newSession(a, k);
            addWaiter(s, requestId, a.holder());
            startWaiting(s);
            dispatch(out);
        } else if (s.leased() || s.waitSeq != 0 || s.hasDrivers() || isOpening(s)) {
            if (s.driverCount() >= config.queueCapacity()) {
                long hint = s.leased() ? Math.max(1, s.leaseExpiresAt - now) : config.queueTimeoutMillis();
                out.append(new Decision.Rejected(requestId, s.sessionId, a.holder(), RejectReason.QUEUE_FULL, hint));
                return;
            }
            addWaiter(s, requestId, a.holder());
        } else if (s.tab != null) {
            addWaiter(s, requestId, a.holder());
            grantHead(out, s, false);
        } else {
            KeyEntry k = s.keyEntry;
            if (k.waiting.size() >= config.queueCapacity()) {
                out.append(new Decision.Rejected(requestId, s.sessionId, a.holder(), RejectReason.QUEUE_FULL,
                        keyRetryAfter(k)));
                return;
            }
            addWaiter(s, requestId, a.holder());
            startWaiting(s);
            dispatch(out);
        }
        if (waitingRequests.containsKey(requestId)) {
            out.append(new Decision.Queued(requestId, s.sessionId, a.holder(), now + config.queueTimeoutMillis()));
        }
    }

    private SessionEntry newSession(Input.Acquire a, KeyEntry k) {
        SessionEntry s = new SessionEntry(a.sessionId(), a.key(), a.requestClass());
        s.keyEntry = k;
        sessions.add(s);
        return s;
    }

    private void heartbeat(StepDecisions out, SessionEntry s) {
        renewLease(s);
        out.append(new Decision.Extended(s.sessionId, s.leaseToken, s.leaseExpiresAt));
    }

    private void release(StepDecisions out, Input.Release r, SessionEntry s) {
        endLease(s);
        out.append(new Decision.Released(s.sessionId, r.token(), r.outcome()));
        if (r.outcome() == Outcome.DETACH) {
            serveDrivers(out, s);
        } else {
            endSession(out, s, EndReason.FINISHED);
        }
        dispatch(out);
    }

    private void updateSession(StepDecisions out, Input.UpdateSession u, SessionEntry s) {
        s.conversationUrl = u.conversationUrl();
        out.append(new Decision.Updated(s.sessionId, u.token()));
    }

    private void cancel(StepDecisions out, Input.Cancel c) {
        SessionEntry s = waitingRequests.get(c.requestId());
        DriverWaiter w = removeWaiter(s, c.requestId());
        out.append(new Decision.Rejected(w.requestId(), s.sessionId, w.holder(), RejectReason.CANCELLED, 0));
        afterDriversLeft(s);
        dispatch(out);
    }

    private void tabOpened(StepDecisions out, Input.TabOpened o) {
        TabEntry t = tabs.get(o.tabId());
        t.targetId = o.targetId();
        tabsByTarget.put(t.targetId, t);
        SessionEntry s = t.session(sessions);
        if (s != null && overdue(s)) {
            endSession(out, s, EndReason.DEADLINE); // the tab loses its session and is pooled below
            s = null;
        }
        if (s != null) {
            t.setState(TabState.RESERVED);
            if (!s.hasDrivers() && s.conversationUrl != null) {
                t.needsReset = true; // nobody to navigate it now: the next driver's grant resets and navigates
            }
            serveDrivers(out, s, true);
        } else {
            t.unbind();
            pool(t, false);
        }
        dispatch(out);
    }

    private void tabOpenFailed(StepDecisions out, Input.TabOpenFailed f) {
        TabEntry t = tabs.get(f.tabId());
        SessionEntry s = t.session(sessions);
        removeTab(t);
        if (s != null) {
            unbind(s);
            out.append(new Decision.ReservationEnded(s.sessionId, t.tabId, EndReason.OPEN_FAILED));
            rejectAllDrivers(out, s, RejectReason.OPEN_FAILED);
        }
        dispatch(out);
    }

    /**
     * A tab died. A session it was RESERVED for keeps its slot: with a conversation URL its reservation moves
     * to a replacement tab, opened at once under the same slot (the key's tab count is unchanged, so no waiter
     * takes the slot first and the cap holds); without one there is nothing to recover and the session ends
     * (fail closed, {@code ReservationEnded(TAB_GONE)}), freeing the slot.
     */
    private void tabGone(StepDecisions out, Input.TabGone g) {
        TabEntry t = tabsByTarget.get(g.targetId());
        SessionEntry s = t.session(sessions);
        if (s != null && overdue(s)) {
            endSession(out, s, EndReason.DEADLINE); // over already: nothing to recover
            s = null;
        }
        if (s == null) {
            removeTab(t);
            dispatch(out);
            return;
        }
        if (s.leased()) {
            out.append(new Decision.Revoked(s.sessionId, s.leaseHolder, s.leaseToken, RevokeReason.TAB_GONE));
            endLease(s);
        }
        removeTab(t);
        unbind(s);
        if (s.conversationUrl != null) {
            s.recoveryCount++;
            out.append(new Decision.ReservationMoved(s.sessionId, t.tabId, nextTabId, s.recoveryCount));
            openTabFor(out, s, s.keyEntry);
        } else {
            rejectAllDrivers(out, s, RejectReason.SESSION_ENDED);
            out.append(new Decision.ReservationEnded(s.sessionId, t.tabId, EndReason.TAB_GONE));
            forget(s);
        }
        dispatch(out);
    }

    private void tabClosed(StepDecisions out, Input.TabClosed c) {
        removeTab(tabsByTarget.get(c.targetId()));
        dispatch(out);
    }

    private void tick(StepDecisions out) {
        List<SessionEntry> revoked = null;
        // Due entries in (time, sessionId) order, a group of equal times at a time: handling one entry
        // removes just that entry from its heap and adds nothing due, so a group stays valid throughout.
        while (leaseExpiries.peekKey() <= now) {
            for (SessionEntry s : leaseExpiries.firstKeyGroup()) {
                RevokeReason reason = s.leaseExpiresAt >= s.deadline ? RevokeReason.DEADLINE : RevokeReason.HEARTBEAT_MISSED;
                out.append(new Decision.Revoked(s.sessionId, s.leaseHolder, s.leaseToken, reason));
                endLease(s);
                s.tab.needsReset = true; // the driver vanished mid-command
                if (revoked == null) {
                    revoked = new ArrayList<>();
                }
                revoked.add(s);
            }
        }
        while (deadlines.peekKey() <= now) {
            for (SessionEntry s : deadlines.firstKeyGroup()) {
                endSession(out, s, EndReason.DEADLINE);
            }
        }
        while (pooled.oldestExpiresAt() <= now) {
            close(out, pooled.oldest(), CloseReason.POOL_EXPIRED);
        }
        while (!queueDeadlines.isEmpty() && queueDeadlines.first().queueDeadline() <= now) {
            DriverWaiter first = queueDeadlines.first();
            SessionEntry s = waitingRequests.get(first.requestId());
            removeWaiter(s, first.requestId());
            out.append(new Decision.Rejected(first.requestId(), s.sessionId, first.holder(), RejectReason.QUEUE_TIMEOUT,
                    keyRetryAfter(s.keyEntry)));
            afterDriversLeft(s);
        }
        if (revoked != null) {
            for (SessionEntry s : revoked) {
                if (s.slot() >= 0) { // not ended meanwhile
                    serveDrivers(out, s);
                }
            }
        }
        dispatch(out);
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * Serves waiting sessions, oldest first across keys and FIFO within a key, skipping keys that cannot
     * be served now: a pooled tab of the key, else a new tab when both caps allow, else the eviction of
     * the oldest idle tab of another key when only the global cap is full and the tabs already CLOSING
     * do not cover the waiter. Acts once per round until no head can act.
     */
    private void dispatch(StepDecisions out) {
        while (!waitingKeys.isEmpty() && (tabs.size() < config.globalMax() || !pooled.isEmpty())) {
            // (when all tabs are taken and none is idle, no head can act: nothing to take, evict or open)
            boolean acted = deadlines.peekKey() <= now
                    ? scanAllHeads(out)         // an input skipped a due Tick: heads may be overdue (never via the facade)
                    : serveOldestServable(out);
            if (!acted) {
                return;
            }
        }
    }

    /**
     * One round of dispatch when no session is overdue: walks the {@link #servable} keys from the oldest
     * head. A key outside that set (at its cap, nothing pooled) could not act, so skipping it is what the
     * full scan does too.
     *
     * @return whether a head acted
     */
    private boolean serveOldestServable(StepDecisions out) {
        int closingUncovered = closing;
        for (KeyEntry k = servable.isEmpty() ? null : servable.first(); k != null; k = servable.higher(k)) {
            SessionEntry s = k.waiting.firstEntry().getValue();
            if (!k.pooled.isEmpty()) {
                bind(s, pooled.oldest(k), TabState.RESERVED);
                serveDrivers(out, s, true);
                return true;
            }
            // servable with nothing pooled: the key is under its cap
            if (tabs.size() < config.globalMax()) {
                openTabFor(out, s, k);
                return true;
            }
            if (closingUncovered > 0) {
                closingUncovered--; // a tab already CLOSING will make room for this head
                continue;
            }
            if (!pooled.isEmpty()) {
                close(out, pooled.oldest(), CloseReason.EVICTED); // the oldest idle tab; of another key, as k has none
                return true;
            }
            return false; // no room, nothing pooled anywhere, nothing closing left: no later head can act either
        }
        return false;
    }

    /**
     * One round of dispatch by the rule's definition: every waiting key's head, in {@code waitSeq} order;
     * an overdue head is ended (a recovering session whose deadline passed). O(keys with waiters).
     *
     * @return whether a head acted
     */
    private boolean scanAllHeads(StepDecisions out) {
        List<SessionEntry> heads = new ArrayList<>(waitingKeys.size());
        for (KeyEntry k : waitingKeys) {
            heads.add(k.waiting.firstEntry().getValue());
        }
        heads.sort(Comparator.comparingLong(s -> s.waitSeq));
        int closingUncovered = closing;
        for (SessionEntry s : heads) {
            KeyEntry k = s.keyEntry;
            if (overdue(s)) {
                endSession(out, s, EndReason.DEADLINE);
                return true;
            }
            if (!k.pooled.isEmpty()) {
                bind(s, pooled.oldest(k), TabState.RESERVED);
                serveDrivers(out, s, true);
                return true;
            }
            if (k.underCap() && tabs.size() < config.globalMax()) {
                openTabFor(out, s, k);
                return true;
            }
            if (k.underCap() && closingUncovered > 0) {
                closingUncovered--;
            } else if (k.underCap() && !pooled.isEmpty()) {
                close(out, pooled.oldest(), CloseReason.EVICTED);
                return true;
            }
        }
        return false;
    }

    private void openTabFor(StepDecisions out, SessionEntry s, KeyEntry k) {
        TabEntry t = new TabEntry(nextTabId++, s.key, TabState.OPENING);
        t.keyEntry = k;
        tabs.put(t.tabId, t);
        tabSlots.add(t);
        k.tabCount++;
        refreshServable(k);
        out.append(new Decision.OpenTab(t.tabId, t.key));
        bind(s, t, TabState.OPENING);
    }

    // ---------------------------------------------------------------- transitions

    private void bind(SessionEntry s, TabEntry t, TabState state) {
        stopWaiting(s);
        if (t.state() == TabState.POOLED) {
            unpool(t);
        }
        t.setState(state);
        t.bindTo(s);
        t.epoch++;
        s.tabId = t.tabId;
        s.tab = t;
        if (s.deadline == 0) {
            s.deadline = now + reservationMillis(s.requestClass);
            deadlines.add(s, s.deadline);
        }
        s.keyEntry.bound.add(s, s.deadline);
    }

    private void unbind(SessionEntry s) {
        s.keyEntry.bound.remove(s);
        s.tabId = 0;
        s.tab = null;
    }

    private void serveDrivers(StepDecisions out, SessionEntry s) {
        serveDrivers(out, s, false);
    }

    /** Grants the lease to the head waiting driver when the session is bound to a RESERVED tab and undriven. */
    private void serveDrivers(StepDecisions out, SessionEntry s, boolean justBound) {
        if (!s.leased() && s.hasDrivers() && s.tab != null && s.tab.state() == TabState.RESERVED) {
            grantHead(out, s, justBound);
        }
    }

    private void grantHead(StepDecisions out, SessionEntry s, boolean justBound) {
        DriverWaiter w = s.firstDriver();
        removeWaiter(s, w.requestId());
        grant(out, s, w.requestId(), w.holder(), justBound);
    }

    /** Grants the lease of bound, undriven session {@code s} to {@code holder} (reset and navigate first when due). */
    private void grant(StepDecisions out, SessionEntry s, long requestId, String holder, boolean justBound) {
        TabEntry t = s.tab;
        boolean reset = t.needsReset;
        if (reset) {
            out.append(new Decision.ResetTab(t.tabId, t.targetId));
            t.needsReset = false;
        }
        if ((reset || justBound) && s.conversationUrl != null) {
            out.append(new Decision.Navigate(t.tabId, t.targetId, s.conversationUrl));
        }
        long token = nextToken++;
        startLease(s, holder, token);
        out.append(new Decision.Granted(requestId, s.sessionId, holder, t.tabId, t.targetId, token,
                s.leaseExpiresAt, s.deadline));
    }

    /** Ends a session (finished or past its deadline): its lease, its waiters, its reservation. */
    private void endSession(StepDecisions out, SessionEntry s, EndReason reason) {
        if (s.leased()) {
            out.append(new Decision.Revoked(s.sessionId, s.leaseHolder, s.leaseToken, RevokeReason.DEADLINE));
            endLease(s);
        }
        rejectAllDrivers(out, s, RejectReason.SESSION_ENDED);
        out.append(new Decision.ReservationEnded(s.sessionId, s.tabId, reason));
        TabEntry t = s.tab;
        if (t != null) {
            t.unbind();
            if (t.state() == TabState.RESERVED) {
                t.epoch++;
                pool(t, true);
            }
        }
        forget(s);
    }

    /** Removes an ended session from every index: frees its slot and its id. */
    private void forget(SessionEntry s) {
        stopWaiting(s);
        deadlines.remove(s);
        s.keyEntry.bound.remove(s);
        sessions.remove(s);
    }

    private void rejectAllDrivers(StepDecisions out, SessionEntry s, RejectReason reason) {
        while (s.hasDrivers()) {
            DriverWaiter w = s.firstDriver();
            removeWaiter(s, w.requestId());
            out.append(new Decision.Rejected(w.requestId(), s.sessionId, w.holder(), reason, 0));
        }
        afterDriversLeft(s);
    }

    /** A waiting session with no drivers leaves its key queue; one that was never bound is forgotten. */
    private void afterDriversLeft(SessionEntry s) {
        if (!s.hasDrivers() && s.waitSeq != 0) {
            stopWaiting(s);
            if (s.deadline == 0) {
                sessions.remove(s); // in no index any more: frees its slot and its id
            }
        }
    }

    private void close(StepDecisions out, TabEntry t, CloseReason reason) {
        unpool(t);
        t.setState(TabState.CLOSING);
        t.epoch++;
        closing++;
        out.append(new Decision.CloseTab(t.tabId, t.targetId, reason));
    }

    private void pool(TabEntry t, boolean needsReset) {
        t.setState(TabState.POOLED);
        t.needsReset = needsReset;
        t.poolExpiresAt = now + config.poolTtlMillis();
        pooled.add(t);
        refreshServable(t.keyEntry);
    }

    private void unpool(TabEntry t) {
        pooled.remove(t);
        t.poolExpiresAt = 0;
        refreshServable(t.keyEntry);
    }

    private void removeTab(TabEntry t) {
        if (t.state() == TabState.POOLED) {
            unpool(t);
        } else if (t.state() == TabState.CLOSING) {
            closing--;
        }
        tabs.remove(t.tabId);
        tabSlots.remove(t);
        if (t.targetId != null) {
            tabsByTarget.remove(t.targetId);
        }
        t.keyEntry.tabCount--;
        refreshServable(t.keyEntry);
    }

    // ---------------------------------------------------------------- index helpers

    private void startLease(SessionEntry s, String holder, long token) {
        s.leaseHolder = holder;
        s.leaseToken = token;
        s.leaseLastBeat = now;
        s.leaseExpiresAt = leaseExpiry(s);
        leaseExpiries.add(s, s.leaseExpiresAt);
    }

    private void renewLease(SessionEntry s) {
        s.leaseLastBeat = now;
        s.leaseExpiresAt = leaseExpiry(s);
        leaseExpiries.update(s, s.leaseExpiresAt); // the expiry moved
    }

    private void endLease(SessionEntry s) {
        leaseExpiries.remove(s);
        s.leaseHolder = null;
    }

    /** @return the reservation of {@code requestClass}, in milliseconds; typed error when unknown */
    private long reservationMillis(String requestClass) {
        for (int i = 0; i < requestClasses.length; i++) {
            if (requestClasses[i] == requestClass) {
                return reservationMillisByClass[i];
            }
        }
        for (int i = 0; i < requestClasses.length; i++) {
            if (requestClasses[i].equals(requestClass)) {
                return reservationMillisByClass[i];
            }
        }
        return config.reservationMillis(requestClass); // unknown: the config throws the typed error
    }

    private long leaseExpiry(SessionEntry s) {
        return Math.min(s.deadline, now + config.heartbeatTimeoutMillis());
    }

    private void addWaiter(SessionEntry s, long requestId, String holder) {
        DriverWaiter w = new DriverWaiter(requestId, holder, now + config.queueTimeoutMillis());
        s.addDriver(w);
        waitingRequests.put(w.requestId(), s);
        queueDeadlines.add(w);
    }

    private DriverWaiter removeWaiter(SessionEntry s, long requestId) {
        DriverWaiter w = s.removeDriver(requestId);
        if (w == null) {
            throw new AssertionError("request " + requestId + " is not waiting on session " + s.sessionId);
        }
        waitingRequests.remove(requestId);
        queueDeadlines.remove(w);
        return w;
    }

    private void startWaiting(SessionEntry s) {
        s.waitSeq = nextWaitSeq++;
        KeyEntry k = s.keyEntry;
        k.waiting.put(s.waitSeq, s);
        waitingKeys.add(k);
        refreshServable(k);
    }

    private void stopWaiting(SessionEntry s) {
        if (s.waitSeq != 0) {
            KeyEntry k = s.keyEntry;
            k.waiting.remove(s.waitSeq);
            if (k.waiting.isEmpty()) {
                waitingKeys.remove(k);
            }
            s.waitSeq = 0;
            refreshServable(k);
        }
    }

    /**
     * Keeps {@code k}'s place in {@link #servable} in step with its queue, its pooled tabs and its tab
     * count: in the set, under its head's {@code waitSeq}, iff it has a waiting session and a pooled tab or
     * room under its cap.
     */
    private void refreshServable(KeyEntry k) {
        long seq = !k.waiting.isEmpty() && (!k.pooled.isEmpty() || k.underCap()) ? k.waiting.firstKey() : 0;
        if (seq != k.servableSeq) {
            if (k.servableSeq != 0) {
                servable.remove(k);
            }
            k.servableSeq = seq;
            if (seq != 0) {
                servable.add(k);
            }
        }
    }

    /**
     * A session whose deadline is at or before {@code now} is over even before a Tick ends it: an input
     * that would act on it ends it first, so no lease is ever granted already expired.
     */
    private boolean overdue(SessionEntry s) {
        return s.deadline != 0 && s.deadline <= now;
    }

    private boolean isOpening(SessionEntry s) {
        return s.tab != null && s.tab.state() == TabState.OPENING;
    }

    private KeyEntry key(String key) {
        KeyEntry k = keys.get(key);
        if (k == null) {
            k = new KeyEntry(key, config.maxPerKey(key), sessions);
            keys.put(key, k);
        }
        return k;
    }

    /**
     * A hint for a rejected request of key {@code k}: time until the earliest moment something of that
     * key is due (the deadline of a session bound to one of its tabs, a queue deadline of its head waiting
     * session), at least 1 ms. O(1) plus the head's driver queue (at most {@code queueCapacity}).
     */
    private long keyRetryAfter(KeyEntry k) {
        long due = k.bound.peekKey();
        if (!k.waiting.isEmpty()) {
            SessionEntry head = k.waiting.firstEntry().getValue();
            for (DriverWaiter w : head.drivers()) {
                due = Math.min(due, w.queueDeadline());
            }
        }
        return due == Long.MAX_VALUE ? config.queueTimeoutMillis() : Math.max(1, due - now);
    }

    // ---------------------------------------------------------------- snapshots

    /** @return an immutable snapshot of the whole state; equal states give equal snapshots */
    public KernelState snapshot() {
        List<Tab> tabList = new ArrayList<>(tabs.size());
        tabs.values().stream().sorted(Comparator.comparingLong(t -> t.tabId)).forEach(t -> tabList.add(t.toRecord(sessions)));
        List<Session> sessionList = new ArrayList<>(sessions.size());
        sessions.entries().stream().sorted(Comparator.comparing(s -> s.sessionId))
                .forEach(s -> sessionList.add(s.toRecord()));
        return new KernelState(lastNow, nextToken, nextTabId, nextRequestId, nextWaitSeq, tabList, sessionList);
    }

    private void load(KernelState state) {
        lastNow = state.lastNow();
        nextToken = state.nextToken();
        nextTabId = state.nextTabId();
        nextRequestId = state.nextRequestId();
        nextWaitSeq = state.nextWaitSeq();
        List<TabEntry> pooledTabs = new ArrayList<>();
        for (Tab tab : state.tabs()) {
            TabEntry t = TabEntry.of(tab);
            KeyEntry k = key(t.key);
            t.keyEntry = k;
            tabs.put(t.tabId, t);
            tabSlots.add(t);
            if (t.targetId != null) {
                tabsByTarget.put(t.targetId, t);
            }
            k.tabCount++;
            if (t.state() == TabState.POOLED) {
                pooledTabs.add(t);
            } else if (t.state() == TabState.CLOSING) {
                closing++;
            }
        }
        // in pool order, so that each goes last (PooledTabs.add is O(1) then)
        pooledTabs.sort(PooledTabs.ORDER);
        for (TabEntry t : pooledTabs) {
            pooled.add(t);
        }
        for (Session session : state.sessions()) {
            SessionEntry s = SessionEntry.of(session);
            KeyEntry k = key(s.key);
            s.keyEntry = k;
            sessions.add(s);
            if (s.leased()) {
                leaseExpiries.add(s, s.leaseExpiresAt);
            }
            if (s.deadline != 0) {
                deadlines.add(s, s.deadline);
            }
            if (s.tabId != 0) {
                s.tab = tabs.get(s.tabId);
                s.tab.bindTo(s);
                k.bound.add(s, s.deadline);
            }
            for (DriverWaiter w : s.drivers()) {
                waitingRequests.put(w.requestId(), s);
                queueDeadlines.add(w);
            }
            if (s.waitSeq != 0) {
                k.waiting.put(s.waitSeq, s);
                waitingKeys.add(k);
            }
        }
        for (KeyEntry k : keys.values()) {
            refreshServable(k);
        }
    }
}

package dev.tablease.kernel.reference;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.CloseReason;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvalidStateException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;





import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The reference kernel: the protocol's rules written the straightforward way (every key's queue head
 * scanned and sorted on each dispatch, trees for every time order, the retry hint by a scan of the
 * key's tabs). This is the kernel as it was before {@link LeaseKernel} was optimised (indexed heaps, the
 * servable-keys index, the acquire fast path); {@code ReferenceKernelDifferentialTest} runs both on the
 * same generated inputs and requires the same decisions and the same state after every step. Test code
 * only; not maintained for speed.
 */
public final class ReferenceKernel {

    private final KernelConfig config;
    /** A deliberately broken variant: never resets a tab before a new driver (to show the differential test fails). */
    private boolean skipResets;

    private long lastNow;
    private long nextToken;
    private long nextTabId;
    private long nextRequestId;
    private long nextWaitSeq;

    private final Map<Long, TabEntry> tabs = new HashMap<>();
    private final Map<String, TabEntry> tabsByTarget = new HashMap<>();
    private final Map<String, SessionEntry> sessions = new HashMap<>();
    private final Map<String, KeyEntry> keys = new HashMap<>();
    /** The keys whose queue of waiting sessions is not empty (dispatch looks at these only). */
    private final Set<KeyEntry> waitingKeys = new LinkedHashSet<>();
    private final NavigableSet<TabEntry> pooled = new TreeSet<>(TabEntry.POOL_ORDER);
    private final NavigableSet<SessionEntry> leaseExpiries = new TreeSet<>(SessionEntry.LEASE_ORDER);
    private final NavigableSet<SessionEntry> deadlines = new TreeSet<>(SessionEntry.DEADLINE_ORDER);
    private final Map<Long, SessionEntry> waitingRequests = new HashMap<>();
    private final NavigableSet<DriverWaiter> queueDeadlines = new TreeSet<>(
            Comparator.comparingLong(DriverWaiter::queueDeadline).thenComparingLong(DriverWaiter::requestId));
    private int closing;

    /** Scratch: the decisions of the step in progress. */
    private List<Decision> out;
    /** Scratch: {@code now} of the step in progress. */
    private long now;

    /**
     * A kernel with no tabs and no sessions.
     *
     * @param config the configuration to enforce
     */
    public ReferenceKernel(KernelConfig config) {
        this(config, KernelState.initial());
    }

    private ReferenceKernel(KernelConfig config, KernelState state) {
        this.config = java.util.Objects.requireNonNull(config);
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
    public static ReferenceKernel restore(KernelConfig config, KernelState state) {
        java.util.Objects.requireNonNull(config);
        java.util.Objects.requireNonNull(state);
        List<InvariantChecker.Violation> violations = InvariantChecker.check(config, state);
        if (!violations.isEmpty()) {
            throw new InvalidStateException(violations);
        }
        return new ReferenceKernel(config, state);
    }

    /** @return a broken reference that never emits ResetTab (for the test that shows the differential check failing) */
    public static ReferenceKernel skippingResets(KernelConfig config) {
        ReferenceKernel k = new ReferenceKernel(config);
        k.skipResets = true;
        return k;
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
        long due = Long.MAX_VALUE;
        if (!leaseExpiries.isEmpty()) {
            due = Math.min(due, leaseExpiries.first().lease.expiresAt());
        }
        if (!deadlines.isEmpty()) {
            due = Math.min(due, deadlines.first().deadline);
        }
        if (!pooled.isEmpty()) {
            due = Math.min(due, pooled.first().poolExpiresAt);
        }
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
        java.util.Objects.requireNonNull(input);
        if (input.now() < lastNow) {
            throw new InvalidInputException(InvalidInputException.Problem.TIME_WENT_BACKWARDS,
                    input.name() + " at now=" + input.now() + " is before the last accepted now=" + lastNow);
        }
        if (input instanceof Input.Acquire a) {
            config.reservationMillis(a.requestClass()); // refuses an unknown class before any change
        }
        out = new ArrayList<>();
        now = input.now();
        try {
            Decision.Refused refused = refusal(input);
            if (refused != null) {
                out.add(refused);
                return List.copyOf(out);
            }
            lastNow = now;
            if (input instanceof Input.Acquire a) {
                acquire(a);
            } else if (input instanceof Input.Heartbeat h) {
                heartbeat(h);
            } else if (input instanceof Input.Release r) {
                release(r);
            } else if (input instanceof Input.UpdateSession u) {
                updateSession(u);
            } else if (input instanceof Input.Cancel c) {
                cancel(c);
            } else if (input instanceof Input.TabOpened o) {
                tabOpened(o);
            } else if (input instanceof Input.TabOpenFailed f) {
                tabOpenFailed(f);
            } else if (input instanceof Input.TabGone g) {
                tabGone(g);
            } else if (input instanceof Input.TabClosed c) {
                tabClosed(c);
            } else if (input instanceof Input.Tick) {
                tick();
            } else {
                throw new AssertionError("unhandled input " + input);
            }
            return List.copyOf(out);
        } finally {
            out = null;
        }
    }

    // ---------------------------------------------------------------- refusals (nothing changes)

    /** @return the refusal for a well-formed input that names something unknown or stale, else null */
    private Decision.Refused refusal(Input input) {
        String name = input.name();
        if (input instanceof Input.Acquire a) {
            SessionEntry s = sessions.get(a.sessionId());
            if (s != null && overdue(s)) {
                return null; // the session is over: the Acquire starts a new one
            }
            if (s != null && !s.key.equals(a.key())) {
                return new Decision.Refused(name, RefuseReason.KEY_MISMATCH,
                        "session " + a.sessionId() + " has key " + s.key + ", not " + a.key());
            }
            if (s != null && !s.requestClass.equals(a.requestClass())) {
                return new Decision.Refused(name, RefuseReason.CLASS_MISMATCH,
                        "session " + a.sessionId() + " has request class " + s.requestClass + ", not " + a.requestClass());
            }
            return null;
        }
        if (input instanceof Input.Heartbeat h) {
            return leaseRefusal(name, h.sessionId(), h.token());
        }
        if (input instanceof Input.Release r) {
            return leaseRefusal(name, r.sessionId(), r.token());
        }
        if (input instanceof Input.UpdateSession u) {
            return leaseRefusal(name, u.sessionId(), u.token());
        }
        if (input instanceof Input.Cancel c) {
            return waitingRequests.containsKey(c.requestId()) ? null
                    : new Decision.Refused(name, RefuseReason.UNKNOWN_REQUEST, "no waiting request " + c.requestId());
        }
        if (input instanceof Input.TabOpened o) {
            Decision.Refused r = openingRefusal(name, o.tabId());
            if (r == null && tabsByTarget.containsKey(o.targetId())) {
                r = new Decision.Refused(name, RefuseReason.TARGET_IN_USE,
                        "target " + o.targetId() + " is already tab " + tabsByTarget.get(o.targetId()).tabId);
            }
            return r;
        }
        if (input instanceof Input.TabOpenFailed f) {
            return openingRefusal(name, f.tabId());
        }
        if (input instanceof Input.TabGone g) {
            return tabsByTarget.containsKey(g.targetId()) ? null
                    : new Decision.Refused(name, RefuseReason.UNKNOWN_TAB, "no tab with target " + g.targetId());
        }
        if (input instanceof Input.TabClosed c) {
            TabEntry t = tabsByTarget.get(c.targetId());
            if (t == null) {
                return new Decision.Refused(name, RefuseReason.UNKNOWN_TAB, "no tab with target " + c.targetId());
            }
            return t.state == TabState.CLOSING ? null
                    : new Decision.Refused(name, RefuseReason.NOT_CLOSING, "tab " + t.tabId + " is " + t.state);
        }
        return null;
    }

    private Decision.Refused leaseRefusal(String name, String sessionId, long token) {
        SessionEntry s = sessions.get(sessionId);
        if (s == null) {
            return new Decision.Refused(name, RefuseReason.UNKNOWN_SESSION, "no session " + sessionId);
        }
        if (s.lease == null) {
            return new Decision.Refused(name, RefuseReason.NO_LEASE, "session " + sessionId + " has no driver lease");
        }
        if (s.lease.token() != token) {
            return new Decision.Refused(name, RefuseReason.STALE_TOKEN,
                    "token " + token + " is not the current token of session " + sessionId);
        }
        if (s.lease.expiresAt() <= now) {
            return new Decision.Refused(name, RefuseReason.LEASE_EXPIRED,
                    "the lease of session " + sessionId + " expired at " + s.lease.expiresAt());
        }
        return null;
    }

    private Decision.Refused openingRefusal(String name, long tabId) {
        TabEntry t = tabs.get(tabId);
        if (t == null) {
            return new Decision.Refused(name, RefuseReason.UNKNOWN_TAB, "no tab " + tabId);
        }
        return t.state == TabState.OPENING ? null
                : new Decision.Refused(name, RefuseReason.NOT_OPENING, "tab " + tabId + " is " + t.state);
    }

    // ---------------------------------------------------------------- inputs

    private void acquire(Input.Acquire a) {
        SessionEntry s = sessions.get(a.sessionId());
        if (s != null && overdue(s)) {
            endSession(s, EndReason.DEADLINE); // as the Tick would have; then this is a new session
            s = null;
        }
        long requestId = nextRequestId++;
        DriverWaiter w = new DriverWaiter(requestId, a.holder(), now + config.queueTimeoutMillis());
        if (s == null) {
            KeyEntry k = key(a.key());
            if (k.waiting.size() >= config.queueCapacity()) {
                out.add(new Decision.Rejected(requestId, a.sessionId(), a.holder(), RejectReason.QUEUE_FULL,
                        keyRetryAfter(k)));
                return;
            }
            s = new SessionEntry(a.sessionId(), a.key(), a.requestClass());
            sessions.put(s.sessionId, s);
            addWaiter(s, w);
            startWaiting(s);
            dispatch();
        } else if (s.lease != null || s.waitSeq != 0 || !s.drivers.isEmpty() || isOpening(s)) {
            if (s.drivers.size() >= config.queueCapacity()) {
                long hint = s.lease != null ? Math.max(1, s.lease.expiresAt() - now) : config.queueTimeoutMillis();
                out.add(new Decision.Rejected(requestId, s.sessionId, a.holder(), RejectReason.QUEUE_FULL, hint));
                return;
            }
            addWaiter(s, w);
        } else if (s.tabId != 0) {
            addWaiter(s, w);
            grantHead(s, false);
        } else {
            KeyEntry k = key(s.key);
            if (k.waiting.size() >= config.queueCapacity()) {
                out.add(new Decision.Rejected(requestId, s.sessionId, a.holder(), RejectReason.QUEUE_FULL,
                        keyRetryAfter(k)));
                return;
            }
            addWaiter(s, w);
            startWaiting(s);
            dispatch();
        }
        if (waitingRequests.containsKey(requestId)) {
            out.add(new Decision.Queued(requestId, s.sessionId, a.holder(), w.queueDeadline()));
        }
    }

    private void heartbeat(Input.Heartbeat h) {
        SessionEntry s = sessions.get(h.sessionId());
        DriverLease l = s.lease;
        setLease(s, new DriverLease(l.sessionId(), l.holder(), l.token(), now, leaseExpiry(s)));
        out.add(new Decision.Extended(s.sessionId, l.token(), s.lease.expiresAt()));
    }

    private void release(Input.Release r) {
        SessionEntry s = sessions.get(r.sessionId());
        setLease(s, null);
        out.add(new Decision.Released(s.sessionId, r.token(), r.outcome()));
        if (r.outcome() == Outcome.DETACH) {
            serveDrivers(s);
        } else {
            endSession(s, EndReason.FINISHED);
        }
        dispatch();
    }

    private void updateSession(Input.UpdateSession u) {
        SessionEntry s = sessions.get(u.sessionId());
        s.conversationUrl = u.conversationUrl();
        out.add(new Decision.Updated(s.sessionId, u.token()));
    }

    private void cancel(Input.Cancel c) {
        SessionEntry s = waitingRequests.get(c.requestId());
        DriverWaiter w = removeWaiter(s, c.requestId());
        out.add(new Decision.Rejected(w.requestId(), s.sessionId, w.holder(), RejectReason.CANCELLED, 0));
        afterDriversLeft(s);
        dispatch();
    }

    private void tabOpened(Input.TabOpened o) {
        TabEntry t = tabs.get(o.tabId());
        t.targetId = o.targetId();
        tabsByTarget.put(t.targetId, t);
        SessionEntry s = t.sessionId == null ? null : sessions.get(t.sessionId);
        if (s != null && overdue(s)) {
            endSession(s, EndReason.DEADLINE); // the tab loses its session and is pooled below
            s = null;
        }
        if (s != null) {
            t.state = TabState.RESERVED;
            if (s.drivers.isEmpty() && s.conversationUrl != null) {
                t.needsReset = true; // nobody to navigate it now: the next driver's grant resets and navigates
            }
            serveDrivers(s, true);
        } else {
            t.sessionId = null;
            pool(t, false);
        }
        dispatch();
    }

    private void tabOpenFailed(Input.TabOpenFailed f) {
        TabEntry t = tabs.get(f.tabId());
        SessionEntry s = t.sessionId == null ? null : sessions.get(t.sessionId);
        removeTab(t);
        if (s != null) {
            s.tabId = 0;
            out.add(new Decision.ReservationEnded(s.sessionId, t.tabId, EndReason.OPEN_FAILED));
            rejectAllDrivers(s, RejectReason.OPEN_FAILED);
        }
        dispatch();
    }

    private void tabGone(Input.TabGone g) {
        TabEntry t = tabsByTarget.get(g.targetId());
        SessionEntry s = t.sessionId == null ? null : sessions.get(t.sessionId);
        if (s != null && overdue(s)) {
            endSession(s, EndReason.DEADLINE);
            s = null;
        }
        if (s != null) {
            if (s.lease != null) {
                out.add(new Decision.Revoked(s.sessionId, s.lease.holder(), s.lease.token(), RevokeReason.TAB_GONE));
                setLease(s, null);
            }
            s.tabId = 0;
            t.sessionId = null;
        }
        removeTab(t);
        if (s != null && s.conversationUrl != null) {
            // the reservation moves to a replacement tab under the same slot
            s.recoveryCount++;
            TabEntry n = new TabEntry(nextTabId++, s.key, TabState.OPENING);
            tabs.put(n.tabId, n);
            key(s.key).tabs.add(n);
            out.add(new Decision.ReservationMoved(s.sessionId, t.tabId, n.tabId, s.recoveryCount));
            out.add(new Decision.OpenTab(n.tabId, n.key));
            bind(s, n, TabState.OPENING);
        } else if (s != null) {
            rejectAllDrivers(s, RejectReason.SESSION_ENDED);
            out.add(new Decision.ReservationEnded(s.sessionId, t.tabId, EndReason.TAB_GONE));
            stopWaiting(s);
            deadlines.remove(s);
            sessions.remove(s.sessionId);
        }
        dispatch();
    }

    private void tabClosed(Input.TabClosed c) {
        removeTab(tabsByTarget.get(c.targetId()));
        dispatch();
    }

    private void tick() {
        List<SessionEntry> revoked = new ArrayList<>();
        while (!leaseExpiries.isEmpty() && leaseExpiries.first().lease.expiresAt() <= now) {
            SessionEntry s = leaseExpiries.first();
            DriverLease l = s.lease;
            RevokeReason reason = l.expiresAt() >= s.deadline ? RevokeReason.DEADLINE : RevokeReason.HEARTBEAT_MISSED;
            out.add(new Decision.Revoked(s.sessionId, l.holder(), l.token(), reason));
            setLease(s, null);
            tabs.get(s.tabId).needsReset = true; // the driver vanished mid-command
            revoked.add(s);
        }
        while (!deadlines.isEmpty() && deadlines.first().deadline <= now) {
            endSession(deadlines.first(), EndReason.DEADLINE);
        }
        while (!pooled.isEmpty() && pooled.first().poolExpiresAt <= now) {
            close(pooled.first(), CloseReason.POOL_EXPIRED);
        }
        while (!queueDeadlines.isEmpty() && queueDeadlines.first().queueDeadline() <= now) {
            DriverWaiter first = queueDeadlines.first();
            SessionEntry s = waitingRequests.get(first.requestId());
            removeWaiter(s, first.requestId());
            out.add(new Decision.Rejected(first.requestId(), s.sessionId, first.holder(), RejectReason.QUEUE_TIMEOUT,
                    keyRetryAfter(key(s.key))));
            afterDriversLeft(s);
        }
        for (SessionEntry s : revoked) {
            if (sessions.get(s.sessionId) == s) {
                serveDrivers(s);
            }
        }
        dispatch();
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * Serves waiting sessions, oldest first across keys and FIFO within a key, skipping keys that cannot
     * be served now: a pooled tab of the key, else a new tab when both caps allow, else the eviction of
     * the oldest idle tab of another key when only the global cap is full and the tabs already CLOSING
     * do not cover the waiter.
     */
    private void dispatch() {
        boolean acted = true;
        while (acted) {
            acted = false;
            if (waitingKeys.isEmpty() || (tabs.size() >= config.globalMax() && pooled.isEmpty())) {
                return; // nobody waits, or no head can act: no pooled tab to take or evict, no room to open
            }
            List<SessionEntry> heads = new ArrayList<>(waitingKeys.size());
            for (KeyEntry k : waitingKeys) {
                heads.add(k.waiting.firstEntry().getValue());
            }
            heads.sort(Comparator.comparingLong(s -> s.waitSeq));
            int closingUncovered = closing;
            for (SessionEntry s : heads) {
                if (overdue(s)) {
                    endSession(s, EndReason.DEADLINE); // a recovering session whose deadline passed
                    acted = true;
                    break;
                }
                KeyEntry k = key(s.key);
                boolean underKeyCap = k.tabs.size() < k.cap;
                if (!k.pooled.isEmpty()) {
                    TabEntry t = k.pooled.first();
                    bind(s, t, TabState.RESERVED);
                    serveDrivers(s, true);
                    acted = true;
                } else if (underKeyCap && tabs.size() < config.globalMax()) {
                    TabEntry t = new TabEntry(nextTabId++, s.key, TabState.OPENING);
                    tabs.put(t.tabId, t);
                    k.tabs.add(t);
                    out.add(new Decision.OpenTab(t.tabId, t.key));
                    bind(s, t, TabState.OPENING);
                    acted = true;
                } else if (underKeyCap && closingUncovered > 0) {
                    closingUncovered--;
                } else if (underKeyCap && !pooled.isEmpty()) {
                    close(pooled.first(), CloseReason.EVICTED); // the oldest idle tab; of another key, as k has none
                    acted = true;
                }
                if (acted) {
                    break;
                }
            }
        }
    }

    // ---------------------------------------------------------------- transitions

    private void bind(SessionEntry s, TabEntry t, TabState state) {
        stopWaiting(s);
        if (t.state == TabState.POOLED) {
            unpool(t);
        }
        t.state = state;
        t.sessionId = s.sessionId;
        t.epoch++;
        s.tabId = t.tabId;
        if (s.deadline == 0) {
            s.deadline = now + config.reservationMillis(s.requestClass);
            deadlines.add(s);
        }
    }

    private void serveDrivers(SessionEntry s) {
        serveDrivers(s, false);
    }

    /** Grants the lease to the head waiting driver when the session is bound to a RESERVED tab and undriven. */
    private void serveDrivers(SessionEntry s, boolean justBound) {
        if (s.lease == null && !s.drivers.isEmpty() && s.tabId != 0 && tabs.get(s.tabId).state == TabState.RESERVED) {
            grantHead(s, justBound);
        }
    }

    private void grantHead(SessionEntry s, boolean justBound) {
        DriverWaiter w = s.drivers.peekFirst();
        removeWaiter(s, w.requestId());
        TabEntry t = tabs.get(s.tabId);
        boolean reset = t.needsReset && !skipResets;
        if (reset) {
            out.add(new Decision.ResetTab(t.tabId, t.targetId));
            t.needsReset = false;
        }
        if ((reset || justBound) && s.conversationUrl != null) {
            out.add(new Decision.Navigate(t.tabId, t.targetId, s.conversationUrl));
        }
        long token = nextToken++;
        setLease(s, new DriverLease(s.sessionId, w.holder(), token, now, leaseExpiry(s)));
        out.add(new Decision.Granted(w.requestId(), s.sessionId, w.holder(), t.tabId, t.targetId, token,
                s.lease.expiresAt(), s.deadline));
    }

    /** Ends a session (finished or past its deadline): its lease, its waiters, its reservation. */
    private void endSession(SessionEntry s, EndReason reason) {
        if (s.lease != null) {
            out.add(new Decision.Revoked(s.sessionId, s.lease.holder(), s.lease.token(), RevokeReason.DEADLINE));
            setLease(s, null);
        }
        rejectAllDrivers(s, RejectReason.SESSION_ENDED);
        out.add(new Decision.ReservationEnded(s.sessionId, s.tabId, reason));
        if (s.tabId != 0) {
            TabEntry t = tabs.get(s.tabId);
            t.sessionId = null;
            if (t.state == TabState.RESERVED) {
                t.epoch++;
                pool(t, true);
            }
        }
        stopWaiting(s);
        deadlines.remove(s);
        sessions.remove(s.sessionId);
    }

    private void rejectAllDrivers(SessionEntry s, RejectReason reason) {
        while (!s.drivers.isEmpty()) {
            DriverWaiter w = s.drivers.peekFirst();
            removeWaiter(s, w.requestId());
            out.add(new Decision.Rejected(w.requestId(), s.sessionId, w.holder(), reason, 0));
        }
        afterDriversLeft(s);
    }

    /** A waiting session with no drivers leaves its key queue; one that was never bound is forgotten. */
    private void afterDriversLeft(SessionEntry s) {
        if (s.drivers.isEmpty() && s.waitSeq != 0) {
            stopWaiting(s);
            if (s.deadline == 0) {
                sessions.remove(s.sessionId);
            }
        }
    }

    private void close(TabEntry t, CloseReason reason) {
        unpool(t);
        t.state = TabState.CLOSING;
        t.epoch++;
        closing++;
        out.add(new Decision.CloseTab(t.tabId, t.targetId, reason));
    }

    private void pool(TabEntry t, boolean needsReset) {
        t.state = TabState.POOLED;
        t.needsReset = needsReset;
        t.poolExpiresAt = now + config.poolTtlMillis();
        pooled.add(t);
        key(t.key).pooled.add(t);
    }

    private void unpool(TabEntry t) {
        pooled.remove(t);
        key(t.key).pooled.remove(t);
        t.poolExpiresAt = 0;
    }

    private void removeTab(TabEntry t) {
        if (t.state == TabState.POOLED) {
            unpool(t);
        } else if (t.state == TabState.CLOSING) {
            closing--;
        }
        tabs.remove(t.tabId);
        if (t.targetId != null) {
            tabsByTarget.remove(t.targetId);
        }
        key(t.key).tabs.remove(t);
    }

    // ---------------------------------------------------------------- index helpers

    private void setLease(SessionEntry s, DriverLease lease) {
        if (s.lease != null) {
            leaseExpiries.remove(s);
        }
        s.lease = lease;
        if (lease != null) {
            leaseExpiries.add(s);
        }
    }

    private long leaseExpiry(SessionEntry s) {
        return Math.min(s.deadline, now + config.heartbeatTimeoutMillis());
    }

    private void addWaiter(SessionEntry s, DriverWaiter w) {
        s.drivers.addLast(w);
        waitingRequests.put(w.requestId(), s);
        queueDeadlines.add(w);
    }

    private DriverWaiter removeWaiter(SessionEntry s, long requestId) {
        for (Iterator<DriverWaiter> it = s.drivers.iterator(); it.hasNext(); ) {
            DriverWaiter w = it.next();
            if (w.requestId() == requestId) {
                it.remove();
                waitingRequests.remove(requestId);
                queueDeadlines.remove(w);
                return w;
            }
        }
        throw new AssertionError("request " + requestId + " is not waiting on session " + s.sessionId);
    }

    private void startWaiting(SessionEntry s) {
        s.waitSeq = nextWaitSeq++;
        KeyEntry k = key(s.key);
        k.waiting.put(s.waitSeq, s);
        waitingKeys.add(k);
    }

    private void stopWaiting(SessionEntry s) {
        if (s.waitSeq != 0) {
            KeyEntry k = key(s.key);
            k.waiting.remove(s.waitSeq);
            if (k.waiting.isEmpty()) {
                waitingKeys.remove(k);
            }
            s.waitSeq = 0;
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
        return s.tabId != 0 && tabs.get(s.tabId).state == TabState.OPENING;
    }

    private KeyEntry key(String key) {
        return keys.computeIfAbsent(key, name -> new KeyEntry(name, config.maxPerKey(name)));
    }

    /**
     * A hint for a rejected request of key {@code k}: time until the earliest moment something of that
     * key is due (a reservation's deadline, a waiter's queue deadline), at least 1 ms.
     */
    private long keyRetryAfter(KeyEntry k) {
        long due = Long.MAX_VALUE;
        for (TabEntry t : k.tabs) {
            if (t.sessionId != null) {
                SessionEntry s = sessions.get(t.sessionId);
                if (s != null) {
                    due = Math.min(due, s.deadline);
                }
            }
        }
        if (!k.waiting.isEmpty()) {
            SessionEntry head = k.waiting.firstEntry().getValue();
            for (DriverWaiter w : head.drivers) {
                due = Math.min(due, w.queueDeadline());
            }
        }
        return due == Long.MAX_VALUE ? config.queueTimeoutMillis() : Math.max(1, due - now);
    }

    // ---------------------------------------------------------------- snapshots

    /** @return an immutable snapshot of the whole state; equal states give equal snapshots */
    public KernelState snapshot() {
        List<Tab> tabList = new ArrayList<>(tabs.size());
        tabs.values().stream().sorted(Comparator.comparingLong(t -> t.tabId)).forEach(t -> tabList.add(t.toRecord()));
        List<Session> sessionList = new ArrayList<>(sessions.size());
        sessions.values().stream().sorted(Comparator.comparing(s -> s.sessionId))
                .forEach(s -> sessionList.add(s.toRecord()));
        return new KernelState(lastNow, nextToken, nextTabId, nextRequestId, nextWaitSeq, tabList, sessionList);
    }

    private void load(KernelState state) {
        lastNow = state.lastNow();
        nextToken = state.nextToken();
        nextTabId = state.nextTabId();
        nextRequestId = state.nextRequestId();
        nextWaitSeq = state.nextWaitSeq();
        for (Tab tab : state.tabs()) {
            TabEntry t = TabEntry.of(tab);
            tabs.put(t.tabId, t);
            if (t.targetId != null) {
                tabsByTarget.put(t.targetId, t);
            }
            KeyEntry k = key(t.key);
            k.tabs.add(t);
            if (t.state == TabState.POOLED) {
                pooled.add(t);
                k.pooled.add(t);
            } else if (t.state == TabState.CLOSING) {
                closing++;
            }
        }
        for (Session session : state.sessions()) {
            SessionEntry s = SessionEntry.of(session);
            sessions.put(s.sessionId, s);
            if (s.lease != null) {
                leaseExpiries.add(s);
            }
            if (s.deadline != 0) {
                deadlines.add(s);
            }
            for (DriverWaiter w : s.drivers) {
                waitingRequests.put(w.requestId(), s);
                queueDeadlines.add(w);
            }
            if (s.waitSeq != 0) {
                KeyEntry k = key(s.key);
                k.waiting.put(s.waitSeq, s);
                waitingKeys.add(k);
            }
        }
    }
}

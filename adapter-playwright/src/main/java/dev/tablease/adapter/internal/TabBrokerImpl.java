package dev.tablease.adapter.internal;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.FailureClassifier;
import dev.tablease.adapter.LeaseAction;
import dev.tablease.adapter.LeaseRejectedException;
import dev.tablease.adapter.LeaseRevokedException;
import dev.tablease.adapter.PendingLease;
import dev.tablease.adapter.SessionEndedException;
import dev.tablease.adapter.TabBroker;
import dev.tablease.adapter.TabFailure;
import dev.tablease.adapter.TabFailureException;
import dev.tablease.adapter.TabLease;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.kernel.Tab;
import dev.tablease.store.KernelStore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The broker: executes the kernel's decisions on Chrome (one executor thread, decisions in order), heartbeats
 * and ticks (one timer thread), and hands out {@link TabLeaseImpl}s.
 *
 * <p>Rules of the executor (see docs/adapter.md):
 * <ul>
 *   <li>{@code OpenTab}: new page in the broker's context, its CDP target id → {@code TabOpened}; any failure →
 *       {@code TabOpenFailed} (and the half-opened page is closed).</li>
 *   <li>{@code CloseTab}: close that target → {@code TabClosed}; already dead → {@code TabGone(cause)}.</li>
 *   <li>{@code ResetTab}: navigate to {@code resetUrl}; {@code Navigate}: navigate to the conversation URL. A dead
 *       tab → {@code TabGone(cause)}; a live tab that cannot be reset/navigated is closed and reported
 *       {@code TabGone(RESET_FAILED)}; the {@code Granted} behind it is not handed over, the waiter recovers.</li>
 *   <li>{@code Granted} for a waiter of this process: the lease is handed over (after the reset/navigate before
 *       it). {@code Rejected}: the waiter fails. {@code Revoked}: the local lease refuses further use.</li>
 * </ul>
 * Only targets the kernel names are ever closed; in connect mode the browser is never closed.
 */
public final class TabBrokerImpl implements TabBroker {

    private static final System.Logger LOG = System.getLogger(TabBrokerImpl.class.getName());
    private static final int MAX_HANDOVER_RETRIES = 3;
    /** How many times a reset or navigation that failed quickly on a live tab is tried in all (see {@link #prepare}). */
    private static final int PREPARE_ATTEMPTS = 3;
    /** How many ended sessions' reasons are remembered for {@link SessionEndedException} (oldest dropped). */
    private static final int ENDED_SESSIONS_REMEMBERED = 1024;

    private final AdapterConfig config;
    private final KernelStore store;
    private final long heartbeatMillis;
    final Chrome chrome;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;

    private final Map<String, PendingLeaseImpl.Attempt> pendingByHolder = new ConcurrentHashMap<>();
    private final Map<Long, TabLeaseImpl> leases = new ConcurrentHashMap<>();
    /** Grants to this process's waiters not handed over yet (token → session): beaten from the grant on. */
    private final Map<Long, String> beforeHandover = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<ChromeEvent> events = new ConcurrentLinkedQueue<>();
    /** Why sessions ended, from the {@code ReservationEnded} decisions of this process's transitions (bounded). */
    private final Map<String, EndReason> endedSessions = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, EndReason> eldest) {
                    return size() > ENDED_SESSIONS_REMEMBERED;
                }
            });
    /**
     * The target id of each tab this process granted, until its reservation ends or it is closed: where a tab
     * that enters the pool is reset ahead (see {@link #resetAhead}).
     */
    private final Map<Long, String> targetsByTabId = new ConcurrentHashMap<>();
    /**
     * Targets reset when they entered the pool, and touched by nobody since (executor thread only). Only for a
     * {@link KernelStore#processLocal() process-local} store: every grant of a pooled tab is then this process's,
     * carried out by this executor after the reset, so the {@code ResetTab} of the next grant finds the tab reset
     * already and costs no navigation. A target leaves the set at its next grant, navigation or close.
     */
    private final Set<String> resetAhead = new HashSet<>();
    private final String holderBase;
    private final AtomicLong holderSeq = new AtomicLong();
    private volatile boolean closed;

    private TabBrokerImpl(AdapterConfig config, KernelStore store) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.heartbeatMillis = config.heartbeatIntervalMillis() > 0 ? config.heartbeatIntervalMillis()
                : store.config().heartbeatIntervalMillis();
        this.holderBase = config.holder() + " " + UUID.randomUUID().toString().substring(0, 8);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tablease-executor");
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tablease-timer");
            t.setDaemon(true);
            return t;
        });
        this.chrome = Chrome.open(config, this::onChromeEvent);
        timer.scheduleWithFixedDelay(this::beatAll, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::tickAndPump, config.pollIntervalMillis(), config.pollIntervalMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** @see TabBroker#start */
    public static TabBroker start(AdapterConfig config, KernelStore store) {
        return new TabBrokerImpl(config, store);
    }

    @Override
    public KernelStore store() {
        return store;
    }

    @Override
    public AdapterConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ the agent-facing API

    @Override
    public TabLease acquire(String sessionId, String key, String requestClass) throws InterruptedException {
        return request(sessionId, key, requestClass).await();
    }

    @Override
    public PendingLease request(String sessionId, String key, String requestClass) {
        requireOpen();
        PendingLeaseImpl p = new PendingLeaseImpl(this, sessionId, key, requestClass, MAX_HANDOVER_RETRIES);
        p.submit();
        return p;
    }

    @Override
    public <T> T withSession(String sessionId, String key, String requestClass, Outcome outcome, int maxRecoveries,
                             LeaseAction<T> action) throws InterruptedException {
        int recoveries = 0;
        while (true) {
            TabLease lease = acquire(sessionId, key, requestClass);
            TabLeaseImpl impl = (TabLeaseImpl) lease;
            try {
                T result = action.run(lease);
                impl.closeWith(outcome);
                return result;
            } catch (TabFailureException e) {
                if (e.failure().tabGone() && recoveries < maxRecoveries) {
                    recoveries++;
                    impl.close();
                    requireRecoverable(sessionId, e);
                    continue;
                }
                // a lost connection says nothing about the tab: detach, the session keeps it for a later try
                impl.closeWith(e.failure() instanceof TabFailure.ConnectionLost ? Outcome.DETACH : Outcome.FAILED);
                throw e;
            } catch (LeaseRevokedException e) {
                impl.close();
                if (e.reason().orElse(null) == RevokeReason.TAB_GONE && recoveries < maxRecoveries) {
                    recoveries++;
                    requireRecoverable(sessionId, e);
                    continue;
                }
                throw e;
            } catch (RuntimeException | Error | InterruptedException e) {
                impl.closeWith(Outcome.FAILED);
                throw e;
            }
        }
    }

    /**
     * After the session's tab died: the kernel either moved the reservation to a replacement tab (the session
     * exists, its recovery takes that tab under the same slot) or ended the session (no conversation URL: fail
     * closed). Acquiring an ended session's id again would start a new session, so that is refused here.
     */
    private void requireRecoverable(String sessionId, RuntimeException cause) {
        boolean exists = store.snapshot().sessions().stream().anyMatch(s -> s.sessionId().equals(sessionId));
        if (!exists) {
            SessionEndedException ended = new SessionEndedException(sessionId, endedSessions.get(sessionId));
            ended.addSuppressed(cause);
            throw ended;
        }
    }

    // ------------------------------------------------------------------ store transitions

    /**
     * Applies one input to the store and has its decisions carried out. Concurrent calls reach the store at once
     * (a store that groups transitions commits them together); what must follow the log's order happens in
     * {@link #inLogOrder}, under the store's lock: grants and rejections of this process's waiters are marked
     * as decided, so that {@link #discover} never hands over a grant it sees in a snapshot before this process
     * carried out the reset/navigate that precede it, and the decisions are queued to the executor in the
     * order of the log (a pooled tab's reset ahead is never carried out after its next grant). Revoked leases
     * refuse use from then on; their end listeners are told here, after the store's lock is released.
     *
     * @param input builds the input from {@code now}
     * @return the inputs applied and their decisions (queued to the executor already)
     */
    SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        List<TabLeaseImpl> revoked = new ArrayList<>(0);
        SharedLeaseKernel.Step step = store.apply(input, s -> inLogOrder(s, revoked));
        for (TabLeaseImpl lease : revoked) {
            lease.tellEnded();
        }
        return step;
    }

    /**
     * A step of this process, in log order, under the store's lock: bookkeeping and queueing only (no I/O, no
     * listener: see {@link KernelStore#apply(LongFunction, java.util.function.Consumer)}).
     */
    private void inLogOrder(SharedLeaseKernel.Step step, List<TabLeaseImpl> revoked) {
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.ReservationEnded e) {
                endedSessions.put(e.sessionId(), e.reason());
            } else if (d instanceof Decision.Revoked r) {
                // a revocation touches no tab: the local lease refuses use at once, even while the executor waits
                TabLeaseImpl lease = leases.get(r.token());
                if (lease != null) {
                    lease.endRevoked(r.reason(), null, null);
                    revoked.add(lease);
                }
            }
            String holder = d instanceof Decision.Granted g ? g.holder() : d instanceof Decision.Rejected r ? r.holder() : null;
            PendingLeaseImpl.Attempt a = holder == null ? null : pendingByHolder.get(holder);
            if (a != null) {
                a.decidedLocally = true;
                if (d instanceof Decision.Granted g) {
                    beforeHandover.put(g.token(), g.sessionId());
                }
            }
        }
        if (step.decisions().isEmpty()) {
            return;
        }
        List<Decision> decisions = step.decisions();
        try {
            executor.execute(() -> execute(decisions));
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "broker closed; decisions not carried out: {0}", decisions);
        }
    }

    String newHolder() {
        return holderBase + " #" + holderSeq.incrementAndGet();
    }

    void register(String holder, PendingLeaseImpl.Attempt attempt) {
        pendingByHolder.put(holder, attempt);
    }

    void unregister(String holder) {
        pendingByHolder.remove(holder);
    }

    void forget(TabLeaseImpl lease) {
        leases.remove(lease.token());
    }

    long pollIntervalMillis() {
        return config.pollIntervalMillis();
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the broker is closed");
        }
    }

    // ------------------------------------------------------------------ the executor

    private void execute(List<Decision> decisions) {
        Set<Long> failedTabs = new HashSet<>();
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = decisions.get(i);
            while (true) {
                try {
                    carryOut(d, failedTabs);
                    if (d instanceof Decision.ReservationEnded e) {
                        resetAheadIfPooled(e, decisions.subList(i + 1, decisions.size()));
                    } else if (d instanceof Decision.ReservationMoved m) {
                        targetsByTabId.remove(m.fromTabId());
                    }
                    break;
                } catch (Chrome.Unreachable e) {
                    // liveness unknown: nothing reported; carry the decision out on the new connection
                    if (!awaitReconnect()) {
                        break; // given up (every tab reported BROWSER_GONE) or closing
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "carrying out " + d + " failed", e);
                    break;
                }
            }
        }
    }

    private void carryOut(Decision d, Set<Long> failedTabs) {
        if (d instanceof Decision.OpenTab o) {
            open(o);
        } else if (d instanceof Decision.CloseTab c) {
            closeTab(c);
        } else if (d instanceof Decision.ResetTab r) {
            if (resetAhead.remove(r.targetId()) && showsResetUrl(r.targetId())) {
                return; // reset when it entered the pool, and nobody has had it since
            }
            if (!failedTabs.contains(r.tabId()) && !prepare(r.targetId(), config.resetUrl())) {
                failedTabs.add(r.tabId());
            }
        } else if (d instanceof Decision.Navigate n) {
            resetAhead.remove(n.targetId());
            if (!failedTabs.contains(n.tabId()) && !prepare(n.targetId(), n.url())) {
                failedTabs.add(n.tabId());
            }
        } else if (d instanceof Decision.Granted g) {
            resetAhead.remove(g.targetId());
            targetsByTabId.put(g.tabId(), g.targetId());
            deliverGrant(g, failedTabs.contains(g.tabId()));
        } else if (d instanceof Decision.Rejected r) {
            PendingLeaseImpl.Attempt a = pendingByHolder.get(r.holder());
            if (a != null) {
                a.reject(new LeaseRejectedException(r.sessionId(), r.reason(), null, r.retryAfterMillis(), null));
            }
        }
        // a Revoked lease was ended in inLogOrder already: it touches no tab
    }

    private void open(Decision.OpenTab o) {
        Page page = null;
        String targetId = null;
        TabFailure failure = null;
        chrome.lock.lock();
        try {
            if (chrome.browserGone() && chrome.mode() == AdapterConfig.Mode.CONNECT) {
                reconnectOnce(); // given up on earlier: the browser may be back at its endpoint
            }
            page = chrome.newPage();
            targetId = chrome.track(page);
        } catch (PlaywrightException e) {
            failure = chrome.classify(e, page, "", false);
            if (page != null && !(failure instanceof TabFailure.ConnectionLost)) {
                chrome.closeQuietly(page, null);
            }
        } finally {
            chrome.lock.unlock();
        }
        if (failure instanceof TabFailure.ConnectionLost) {
            throw new Chrome.Unreachable("open a tab"); // opened again on the new connection
        }
        if (failure != null) {
            String reason = failure.getClass().getSimpleName() + ": " + failure.detail();
            apply(now -> new Input.TabOpenFailed(now, o.tabId(), reason));
            drainEventsLater();
            return;
        }
        String target = targetId;
        SharedLeaseKernel.Step step = apply(now -> new Input.TabOpened(now, o.tabId(), target));
        if (step.decisions().stream().anyMatch(Decision.Refused.class::isInstance)) {
            // the kernel does not know this tab (any more): it is nobody's, close it
            closePage(page, target);
        }
    }

    /**
     * After a reservation ended (finished, or its deadline passed), the kernel pools its tab marked to be reset
     * before the next driver; with a process-local store the reset is done now, off the next grant's path, unless
     * a later decision of the same step already deals with the tab (it was granted on at once, or closed).
     */
    private void resetAheadIfPooled(Decision.ReservationEnded e, List<Decision> later) {
        String targetId = targetsByTabId.remove(e.tabId());
        if (targetId == null || !store.processLocal()
                || (e.reason() != EndReason.FINISHED && e.reason() != EndReason.DEADLINE)) {
            return;
        }
        for (Decision d : later) {
            if (concernsTab(d, e.tabId())) {
                return;
            }
        }
        if (prepare(targetId, config.resetUrl())) {
            resetAhead.add(targetId);
        }
    }

    private static boolean concernsTab(Decision d, long tabId) {
        return d instanceof Decision.ResetTab r && r.tabId() == tabId
                || d instanceof Decision.Navigate n && n.tabId() == tabId
                || d instanceof Decision.Granted g && g.tabId() == tabId
                || d instanceof Decision.CloseTab c && c.tabId() == tabId
                || d instanceof Decision.ReservationMoved m && (m.fromTabId() == tabId || m.toTabId() == tabId);
    }

    /**
     * @return whether the target's page is (still) at {@code resetUrl}, as Playwright last saw it: no round trip and
     *         no lock (the URL is the field Playwright updates on navigation; this executor made the navigation)
     */
    private boolean showsResetUrl(String targetId) {
        Page page = chrome.trackedPage(targetId);
        return page != null && config.resetUrl().equals(page.url());
    }

    private void closeTab(Decision.CloseTab c) {
        resetAhead.remove(c.targetId());
        targetsByTabId.remove(c.tabId());
        chrome.lock.lock();
        GoneCause gone = null;
        try {
            Page page = chrome.pageFor(c.targetId());
            if (page == null) {
                gone = GoneCause.TARGET_CLOSED;
            } else {
                try {
                    chrome.close(page);
                } catch (PlaywrightException e) {
                    TabFailure f = chrome.classify(e, page, c.targetId(), false);
                    if (f instanceof TabFailure.ConnectionLost) {
                        throw new Chrome.Unreachable("close tab " + c.targetId());
                    }
                    if (f.tabGone()) {
                        gone = f.goneCause().get();
                    } else {
                        chrome.closeTargetQuietly(c.targetId());
                    }
                }
            }
        } finally {
            chrome.lock.unlock();
        }
        GoneCause cause = gone;
        apply(now -> cause == null ? new Input.TabClosed(now, c.targetId())
                : new Input.TabGone(now, c.targetId(), cause));
        drainEventsLater();
    }

    /**
     * Reset or navigate. A navigation that fails quickly on a live tab (not a timeout, not a dead tab) is tried again,
     * at most {@link #PREPARE_ATTEMPTS} times in all, each time after {@link Chrome#stopLoadingQuietly}: a navigation
     * another CDP client started (a session's own {@code Page.navigate} over its lease's socket, just before its
     * release) may still commit after Playwright's own began, and Playwright then fails its navigation as "interrupted
     * by another navigation" although the tab is fine. Once that navigation is stopped or committed, and its events
     * seen, the next attempt works. A tab that still cannot be prepared is closed and reported
     * {@code TabGone(RESET_FAILED)}.
     *
     * @return false when the tab was lost (and reported)
     */
    private boolean prepare(String targetId, String url) {
        GoneCause gone = null;
        chrome.lock.lock();
        try {
            Page page = chrome.pageFor(targetId);
            if (page == null) {
                gone = GoneCause.TARGET_CLOSED;
            }
            for (int attempt = 1; gone == null; attempt++) {
                try {
                    page.navigate(url, new Page.NavigateOptions().setTimeout(config.navigationTimeoutMillis()));
                    if (attempt > 1) {
                        LOG.log(System.Logger.Level.INFO, "tab {0} prepared at attempt {1}", targetId, attempt);
                    }
                    return true;
                } catch (PlaywrightException e) {
                    TabFailure f = chrome.classify(e, page, targetId, true);
                    if (f instanceof TabFailure.ConnectionLost) {
                        throw new Chrome.Unreachable("prepare tab " + targetId); // navigated again after the reconnect
                    }
                    if (!f.tabGone() && !(f instanceof TabFailure.NavigationTimeout) && attempt < PREPARE_ATTEMPTS) {
                        LOG.log(System.Logger.Level.INFO, "preparing tab {0} failed at attempt {1}, trying again: {2} ({3})",
                                targetId, attempt, f, oneLine(e.getMessage()));
                        chrome.stopLoadingQuietly(page);
                        continue;
                    }
                    gone = f.goneCause().orElse(GoneCause.RESET_FAILED);
                    if (gone != GoneCause.TARGET_CLOSED && gone != GoneCause.BROWSER_GONE) {
                        chrome.closeQuietly(page, targetId); // unusable: it must not linger outside the caps
                    }
                    LOG.log(System.Logger.Level.INFO, "tab {0} lost while preparing it (attempt {1}): {2} ({3})", targetId,
                            attempt, f, oneLine(e.getMessage()));
                }
            }
        } finally {
            chrome.lock.unlock();
        }
        GoneCause cause = gone;
        apply(now -> new Input.TabGone(now, targetId, cause));
        drainEventsLater();
        return false;
    }

    /** @return {@code message} on one line, at most 300 characters (Playwright's messages span many) */
    private static String oneLine(String message) {
        String m = String.valueOf(message).replaceAll("\\s+", " ");
        return m.length() <= 300 ? m : m.substring(0, 300) + "…";
    }

    private void deliverGrant(Decision.Granted g, boolean tabFailed) {
        PendingLeaseImpl.Attempt a = pendingByHolder.get(g.holder());
        if (a == null) {
            beforeHandover.remove(g.token());
            return; // another process's waiter: it finds its grant in the store
        }
        if (tabFailed) {
            beforeHandover.remove(g.token());
            a.retry(); // the tab died before the handover; TabGone revoked this grant; the waiter recovers
            return;
        }
        Page page = chrome.trackedPage(g.targetId()); // no lock: a tick's pump must not delay the handover
        if (page == null) {
            chrome.lock.lock();
            try {
                page = chrome.pageFor(g.targetId());
            } finally {
                chrome.lock.unlock();
            }
        }
        if (page == null) {
            beforeHandover.remove(g.token());
            apply(now -> new Input.TabGone(now, g.targetId(), GoneCause.TARGET_CLOSED));
            a.retry();
            return;
        }
        handOver(a, g.sessionId(), a.key(), g.holder(), g.token(), g.targetId(), g.deadline(), g.expiresAt(), page);
    }

    private void handOver(PendingLeaseImpl.Attempt a, String sessionId, String key, String holder, long token,
                          String targetId, long deadline, long expiresAt, Page page) {
        TabLeaseImpl lease = new TabLeaseImpl(this, sessionId, key, holder, token, targetId, deadline, expiresAt, page);
        leases.put(token, lease);
        beforeHandover.remove(token);
        if (!a.grant(lease)) {
            lease.close(); // the waiter gave up meanwhile: release (DETACH), the session goes on
        }
    }

    /**
     * A waiter that has heard nothing for a poll interval looks in the store: another process may have granted
     * (or rejected) its request. Grants decided in this process are delivered by the executor instead.
     */
    void discover(PendingLeaseImpl.Attempt a) {
        // the snapshot first: a grant of this process it shows was marked decidedLocally before it (see inLogOrder)
        KernelState snap = store.snapshot();
        if (a.decidedLocally || a.isDone()) {
            return;
        }
        Session s = snap.sessions().stream().filter(x -> x.sessionId().equals(a.sessionId())).findFirst().orElse(null);
        if (s != null && s.lease() != null && s.lease().holder().equals(a.holder())) {
            Tab tab = snap.tabs().stream().filter(t -> t.tabId() == s.tabId()).findFirst().orElse(null);
            if (tab == null || tab.targetId() == null) {
                return;
            }
            Page page;
            chrome.lock.lock();
            try {
                page = chrome.pageFor(tab.targetId());
            } catch (Chrome.Unreachable e) {
                return; // liveness unknown: look again at the next poll, after the reconnect
            } finally {
                chrome.lock.unlock();
            }
            if (page == null) {
                apply(now -> new Input.TabGone(now, tab.targetId(), GoneCause.TARGET_CLOSED));
                a.retry();
                return;
            }
            handOver(a, s.sessionId(), s.key(), a.holder(), s.lease().token(), tab.targetId(), s.deadline(),
                    s.lease().expiresAt(), page);
            return;
        }
        boolean stillWaiting = s != null && s.drivers().stream().anyMatch(w -> w.requestId() == a.requestId());
        if (!stillWaiting && a.requestId() > 0) {
            RejectReason reason = a.queueDeadline() > 0 && snap.lastNow() >= a.queueDeadline()
                    ? RejectReason.QUEUE_TIMEOUT : RejectReason.SESSION_ENDED;
            a.reject(new LeaseRejectedException(a.sessionId(), reason, null, 0, "decided by another process"));
        }
    }

    // ------------------------------------------------------------------ failures seen by leases

    /**
     * A lease's action found its tab dead: close what is left of it when it still exists physically, then tell
     * the kernel (synchronously, so that the agent's next acquire recovers the session).
     */
    void reportGone(Page page, String targetId, GoneCause cause) {
        if (cause == GoneCause.RENDERER_CRASHED || cause == GoneCause.DETACHED) {
            chrome.lock.lock();
            try {
                chrome.closeQuietly(page, targetId);
            } finally {
                chrome.lock.unlock();
            }
        }
        apply(now -> new Input.TabGone(now, targetId, cause));
        drainEventsLater();
    }

    private void closePage(Page page, String targetId) {
        chrome.lock.lock();
        try {
            chrome.closeQuietly(page, targetId);
        } finally {
            chrome.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ events, heartbeats, ticks

    /** Called by Playwright handlers (inside some Playwright call): record only. */
    private void onChromeEvent(ChromeEvent e) {
        events.add(e);
    }

    /** After a Playwright call: let the executor act on the events the call delivered. */
    void drainEventsLater() {
        if (!events.isEmpty() && !closed) {
            try {
                executor.execute(this::drainEvents);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void drainEvents() {
        ChromeEvent e;
        while ((e = events.poll()) != null) {
            if (e instanceof ChromeEvent.PageGone g) {
                if (chrome.disconnected() || (g.cause() == GoneCause.TARGET_CLOSED && closeIsUnconfirmed(g.targetId()))) {
                    continue; // liveness unknown: the reconnect's re-probe decides
                }
                if (g.cause() == GoneCause.RENDERER_CRASHED) {
                    closePage(g.page(), g.targetId()); // a crashed tab still exists: do not let it linger
                }
                apply(now -> new Input.TabGone(now, g.targetId(), g.cause()));
            } else if (e instanceof ChromeEvent.BrowserDisconnected) {
                if (chrome.browserGone()) {
                    reportEveryTabGone(); // the launched browser's process is gone
                } else if (chrome.disconnected()) {
                    awaitReconnect();
                }
            }
        }
    }

    /** @return whether the browser could not be asked if a target whose close event was seen is really gone */
    private boolean closeIsUnconfirmed(String targetId) {
        chrome.lock.lock();
        try {
            return chrome.presence(targetId) == FailureClassifier.TargetPresence.UNREACHABLE;
        } finally {
            chrome.lock.unlock();
        }
    }

    private void reportEveryTabGone() {
        for (Tab t : store.snapshot().tabs()) {
            if (t.targetId() != null) {
                apply(now -> new Input.TabGone(now, t.targetId(), GoneCause.BROWSER_GONE));
            }
        }
    }

    // ------------------------------------------------------------------ reconnect (connect mode)

    /**
     * Connect mode, on the executor thread, after the CDP connection was lost: reconnects with back-off (100 ms
     * doubling up to {@code reconnectMaxBackoffMillis}) for at most {@code reconnectTimeoutMillis}. While it runs,
     * no decision is carried out on Chrome and nothing is reported about any tab (their liveness is unknown);
     * heartbeats and ticks go on in the store, so leases stay valid or lapse exactly as without the outage. After
     * a reconnect the tabs the kernel knows are re-probed by target id: only the missing ones become
     * {@code TabGone(TARGET_CLOSED)}. If the time runs out the browser counts as gone: every tab
     * {@code TabGone(BROWSER_GONE)}.
     *
     * @return whether the connection is back
     */
    private boolean awaitReconnect() {
        if (!chrome.connectionLost()) {
            return !chrome.browserGone();
        }
        long started = System.nanoTime();
        long pause = Math.min(100, config.reconnectMaxBackoffMillis());
        int attempts = 0;
        LOG.log(System.Logger.Level.WARNING, "lost the CDP connection to {0}; reconnecting for up to {1} ms",
                config.cdpEndpoint(), config.reconnectTimeoutMillis());
        while (!closed) {
            long left = config.reconnectTimeoutMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (left <= 0) {
                break;
            }
            attempts++;
            Set<String> present = null;
            chrome.lock.lock();
            try {
                chrome.reconnect(Math.min(left, config.navigationTimeoutMillis()));
                present = new HashSet<>(chrome.pageTargetIds());
            } catch (PlaywrightException e) {
                LOG.log(System.Logger.Level.DEBUG, "reconnect attempt {0} failed: {1}", attempts, e.getMessage());
            } finally {
                chrome.lock.unlock();
            }
            if (present != null) {
                LOG.log(System.Logger.Level.INFO, "reconnected to {0} after {1} ms ({2} attempts)", config.cdpEndpoint(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), attempts);
                reprobe(present);
                return true;
            }
            try {
                Thread.sleep(Math.min(pause, Math.max(1, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false; // the broker is closing
            }
            pause = Math.min(pause * 2, config.reconnectMaxBackoffMillis());
        }
        if (closed) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "no CDP connection to {0} for {1} ms ({2} attempts): the browser is gone",
                config.cdpEndpoint(), config.reconnectTimeoutMillis(), attempts);
        chrome.giveUp();
        reportEveryTabGone();
        return false;
    }

    /** Connect mode, chrome lock held: one attempt to reach a browser given up on; on failure it stays gone. */
    private void reconnectOnce() {
        try {
            chrome.reconnect(config.navigationTimeoutMillis());
            LOG.log(System.Logger.Level.INFO, "reached {0} again", config.cdpEndpoint());
        } catch (PlaywrightException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0} still unreachable: {1}", config.cdpEndpoint(), e.getMessage());
        }
    }

    /**
     * After a reconnect: every tab the kernel knows that the browser no longer lists is {@code TabGone(TARGET_CLOSED)};
     * the others are found again by target id (so their crash and close events are watched on the new connection).
     */
    private void reprobe(Set<String> present) {
        for (Tab t : store.snapshot().tabs()) {
            String id = t.targetId();
            if (id == null) {
                continue;
            }
            if (present.contains(id)) {
                chrome.lock.lock();
                try {
                    chrome.pageFor(id);
                } catch (PlaywrightException | Chrome.Unreachable e) {
                    // its next use classifies what happened
                } finally {
                    chrome.lock.unlock();
                }
            } else {
                apply(now -> new Input.TabGone(now, id, GoneCause.TARGET_CLOSED));
            }
        }
    }

    private void beatAll() {
        for (Map.Entry<Long, String> e : List.copyOf(beforeHandover.entrySet())) {
            long token = e.getKey();
            SharedLeaseKernel.Step step = apply(now -> new Input.Heartbeat(now, e.getValue(), token));
            if (!(step.decisions().get(step.decisions().size() - 1) instanceof Decision.Extended)) {
                beforeHandover.remove(token);
            }
        }
        for (TabLeaseImpl lease : List.copyOf(leases.values())) {
            try {
                lease.beatQuietly();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "heartbeat failed", e);
            }
        }
    }

    private void tickAndPump() {
        if (closed) {
            return;
        }
        try {
            apply(Input.Tick::new);
            if (chrome.lock.tryLock()) {
                try {
                    chrome.pumpQuietly();
                } finally {
                    chrome.lock.unlock();
                }
            }
            drainEventsLater();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tick failed", e);
        }
    }

    // ------------------------------------------------------------------ test hooks

    /** @return the page targets the browser has now ({@code Target.getTargets}), for tests and diagnostics */
    public List<String> physicalPageTargets() {
        chrome.lock.lock();
        try {
            return new ArrayList<>(chrome.pageTargetIds());
        } finally {
            chrome.lock.unlock();
            drainEventsLater();
        }
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        for (PendingLeaseImpl.Attempt a : List.copyOf(pendingByHolder.values())) {
            a.owner().cancel();
        }
        for (TabLeaseImpl lease : List.copyOf(leases.values())) {
            lease.close();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        chrome.close();
    }
}

package dev.tablease.serve.internal;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.LeaseRejectedException;
import dev.tablease.adapter.LeaseRevokedException;
import dev.tablease.adapter.PendingLease;
import dev.tablease.adapter.TabBroker;
import dev.tablease.adapter.TabLease;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.Session;
import dev.tablease.serve.ErrorCode;
import dev.tablease.store.KernelStore;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The operations of the API on one broker: each turns into the broker's calls (so that every decision they
 * return is carried out on Chrome) and answers with the kernel's verdict. It decides nothing itself: grants,
 * queue positions, deadlines, expiries and fencing are the kernel's; the registry only remembers which lease a
 * client's token stands for.
 *
 * <p>Fencing: a heartbeat, release or update names a session and a token. Only the lease the kernel granted
 * under that token, for that session, and not yet released or revoked, is used; the broker then applies the
 * input with that lease's token and the kernel accepts or refuses it. Anything else is {@code STALE_TOKEN}
 * (or {@code UNKNOWN_SESSION}) and applies nothing.
 */
final class LeaseService implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LeaseService.class.getName());

    /** How long a settled acquire's answer stays readable by {@code /v1/wait}, in nanoseconds. */
    private static final long SETTLED_RETENTION_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** The broker whose leases the clients hold. */
    private final TabBroker broker;
    /** The broker's store. */
    private final KernelStore store;
    /** Who holds what. */
    private final LeaseRegistry registry = new LeaseRegistry();
    /** One thread per waiting acquire (bounded by the kernel's queue capacities). */
    private final ExecutorService waiters;
    /** Drops revoked leases and old answers. */
    private final ScheduledExecutorService sweeper;
    /** The longest long poll, in milliseconds. */
    private final long maxWaitMillis;
    /** The most acquires waited on at once. */
    private final int maxWaiting;
    /** How long an acquire granted at once may take to be handed over (reset, navigation), in milliseconds. */
    private final long handoverMillis;
    /** The metrics. */
    private final ServiceMetrics metrics;
    /** The broker's store, observed (the timeline's steps). */
    private final ObservedStore observed;
    /** Set by {@link #close()}. */
    private volatile boolean closed;
    /** The open CDP sockets of the leases held through the service. */
    private final CdpSockets sockets = new CdpSockets();
    /** {@code ws://HOST:PORT} of the service, where the granted leases' CDP sockets are. */
    private final Supplier<String> wsBase;
    /** {@code ws://127.0.0.1:PORT} of Chrome's own DevTools sockets. */
    private final String chromeWsBase;

    LeaseService(TabBroker broker, long maxWaitMillis, int maxWaiting, Supplier<String> wsBase, ServiceMetrics metrics,
                 ObservedStore observed) {
        this.broker = broker;
        this.wsBase = wsBase;
        this.metrics = metrics;
        this.observed = observed;
        URI cdp = broker.config().cdpEndpoint();
        if (broker.config().mode() != AdapterConfig.Mode.CONNECT || cdp == null) {
            throw new IllegalArgumentException("the service's broker must be connected over CDP (the CDP sockets "
                    + "proxy to Chrome's own page sockets)");
        }
        this.chromeWsBase = "ws://" + (cdp.getHost().contains(":") ? "[" + cdp.getHost() + "]" : cdp.getHost()) + ":"
                + (cdp.getPort() == -1 ? 80 : cdp.getPort());
        this.store = broker.store();
        this.maxWaitMillis = maxWaitMillis;
        this.maxWaiting = maxWaiting;
        this.handoverMillis = broker.config().navigationTimeoutMillis() * 2 + 5_000;
        AtomicLong n = new AtomicLong();
        this.waiters = Executors.newCachedThreadPool(r -> daemon(r, "tablease-serve-wait-" + n.incrementAndGet()));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tablease-serve-sweeper"));
        long sweep = Math.max(50, broker.config().pollIntervalMillis());
        sweeper.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The status's holder names. */
    StatusView.Names names() {
        return registry;
    }

    // ------------------------------------------------------------------ acquire, wait, cancel

    /**
     * Submits an acquire and waits for its answer at most {@code waitMillis} (at least until the handover when it
     * was granted at once).
     */
    Answer acquire(String sessionId, String key, String holder, String requestClass, long waitMillis) {
        ensureOpen();
        if (!store.config().requestClassBudgetsMillis().containsKey(requestClass)) {
            throw new ApiException(ErrorCode.UNKNOWN_REQUEST_CLASS, "request class '" + requestClass + "' is not one of "
                    + store.config().requestClassBudgetsMillis().keySet());
        }
        if (registry.unsettled() >= maxWaiting) {
            throw new ApiException(ErrorCode.UNAVAILABLE, maxWaiting + " acquires are waiting already; try again later");
        }
        PendingLease pending;
        try {
            pending = broker.request(sessionId, key, requestClass);
        } catch (LeaseRejectedException e) {
            return rejection(e, 0, sessionId);
        } catch (InvalidInputException e) {
            throw new ApiException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        long queueDeadline = pending.queueDeadline().orElse(0L);
        LeaseRegistry.Waiting w = new LeaseRegistry.Waiting(pending.requestId(), sessionId, holder, queueDeadline, pending);
        registry.await(w);
        // granted at once (or a tab opening for it): settled in this thread, no hand-off to a waiter thread
        if (queueDeadline != 0 || !settle(w, handoverMillis)) {
            waiters.execute(() -> settle(w, Long.MAX_VALUE));
        }
        return awaitAnswer(w, queueDeadline == 0 ? Math.max(waitMillis, handoverMillis) : waitMillis);
    }

    /** Long poll: the answer of a queued acquire, or still queued after {@code waitMillis}. */
    Answer await(long requestId, long waitMillis) {
        ensureOpen();
        return awaitAnswer(waiting(requestId), waitMillis);
    }

    /** Withdraws a queued acquire; a grant that won the race is released with {@code DETACH}. */
    Answer cancel(long requestId) {
        ensureOpen();
        LeaseRegistry.Waiting w = waiting(requestId);
        boolean wasSettled = w.answer.isDone();
        if (!wasSettled) {
            w.pending.cancel();
        }
        Answer a;
        try {
            a = w.answer.get(handoverMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(ErrorCode.UNAVAILABLE, "request " + requestId + " did not settle after the cancel");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.UNAVAILABLE, "interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (a instanceof Answer.Granted g) {
            LeaseRegistry.Held h = registry.held(g.token());
            if (h != null && registry.drop(h)) {
                sockets.leaseEnded(h.lease().token(), new CdpSocket.Close(CdpSocket.CLOSE_RELEASED,
                        "lease ended: released DETACH (the grant was cancelled)"));
                h.lease().detach();
                return new Answer.Cancelled(requestId, "GRANT_RELEASED");
            }
            return new Answer.Cancelled(requestId, "ALREADY_ENDED");
        }
        if (!wasSettled && a instanceof Answer.Rejected r && r.reason() == RejectReason.CANCELLED) {
            return new Answer.Cancelled(requestId, "WITHDRAWN");
        }
        return new Answer.Cancelled(requestId, "ALREADY_REJECTED");
    }

    private LeaseRegistry.Waiting waiting(long requestId) {
        LeaseRegistry.Waiting w = registry.waiting(requestId);
        if (w == null) {
            throw new ApiException(ErrorCode.UNKNOWN_REQUEST, "no acquire with request id " + requestId
                    + " is waiting or was answered in the last 60 s");
        }
        return w;
    }

    private Answer awaitAnswer(LeaseRegistry.Waiting w, long waitMillis) {
        try {
            return w.answer.get(Math.min(waitMillis, maxWaitMillis), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Answer.Queued(w.requestId, w.sessionId, w.queueDeadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.UNAVAILABLE, "the service is stopping");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Waits for the kernel's grant or rejection (at most until the queue deadline) and settles the answer: in a
     * waiter thread, or in the request's own thread for an acquire granted at once.
     *
     * @param w            the acquire
     * @param withinMillis how long to wait; {@code Long.MAX_VALUE}: until it is decided
     * @return whether it was settled (false: still undecided after {@code withinMillis})
     */
    private boolean settle(LeaseRegistry.Waiting w, long withinMillis) {
        Answer answer;
        try {
            TabLease lease;
            if (withinMillis == Long.MAX_VALUE) {
                lease = w.pending.await();
            } else {
                java.util.Optional<TabLease> soon = w.pending.await(java.time.Duration.ofMillis(withinMillis));
                if (soon.isEmpty()) {
                    return false;
                }
                lease = soon.get();
            }
            if (closed) {
                lease.detach();
                answer = new Answer.Error(ErrorCode.UNAVAILABLE, "the service is stopping");
            } else {
                registry.hold(new LeaseRegistry.Held(lease, w.clientHolder, w.requestId));
                metrics.queueWait(System.nanoTime() - w.requestedAtNanos);
                long token = lease.token();
                lease.whenEnded(e -> sockets.leaseEnded(token, CdpSocket.Close.of(e)));
                answer = new Answer.Granted(w.requestId, lease.sessionId(), w.clientHolder, token,
                        lease.targetId(), lease.deadline(), lease.expiresAt(),
                        store.config().heartbeatIntervalMillis(), cdpUrl(lease.sessionId(), token));
            }
        } catch (LeaseRejectedException e) {
            answer = closed ? new Answer.Error(ErrorCode.UNAVAILABLE, "the service is stopping")
                    : rejection(e, w.requestId, w.sessionId);
        } catch (InterruptedException e) {
            answer = new Answer.Error(ErrorCode.UNAVAILABLE, "the service is stopping");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "acquire of session " + w.sessionId + " failed", e);
            answer = new Answer.Error(ErrorCode.UNAVAILABLE, "no tab could be handed over for session " + w.sessionId
                    + " (see the service's log)");
        }
        w.settledAtNanos = System.nanoTime();
        w.answer.complete(answer);
        return true;
    }

    private static Answer rejection(LeaseRejectedException e, long requestId, String sessionId) {
        if (e.reason().isPresent()) {
            return new Answer.Rejected(requestId, sessionId, e.reason().get(), e.retryAfterMillis());
        }
        RefuseReason r = e.refusal().orElse(null);
        ErrorCode code = r == RefuseReason.KEY_MISMATCH ? ErrorCode.KEY_MISMATCH
                : r == RefuseReason.CLASS_MISMATCH ? ErrorCode.CLASS_MISMATCH : ErrorCode.REFUSED;
        return new Answer.Error(code, e.getMessage());
    }

    // ------------------------------------------------------------------ fenced calls

    /** A fenced heartbeat. */
    Answer heartbeat(String sessionId, long token) {
        ensureOpen();
        LeaseRegistry.Held h = held(sessionId, token);
        beat(h);
        return new Answer.Extended(sessionId, token, h.lease().expiresAt());
    }

    /**
     * A fenced release: one store transition; a release the kernel refuses (the lease lapsed meanwhile) answers
     * {@code STALE_TOKEN}, not a release that did not happen ({@code TabLease.release} reports the refusal).
     */
    Answer release(String sessionId, long token, Outcome outcome) {
        ensureOpen();
        LeaseRegistry.Held h = held(sessionId, token);
        if (!registry.drop(h)) {
            throw stale(sessionId, token, "it was released meanwhile");
        }
        // the sockets close before the tab is released: nothing reaches it from this holder afterwards
        sockets.leaseEnded(token, new CdpSocket.Close(CdpSocket.CLOSE_RELEASED, "lease ended: released " + outcome));
        try {
            h.lease().release(outcome); // a release the kernel refuses (the lease lapsed meanwhile) throws
        } catch (LeaseRevokedException e) {
            throw stale(sessionId, token, describe(e));
        }
        return new Answer.Released(sessionId, token, outcome);
    }

    /** A fenced write of the conversation URL. */
    Answer update(String sessionId, long token, String conversationUrl) {
        ensureOpen();
        LeaseRegistry.Held h = held(sessionId, token);
        try {
            h.lease().setConversationUrl(conversationUrl);
        } catch (LeaseRevokedException e) {
            forget(h);
            throw stale(sessionId, token, describe(e));
        }
        return new Answer.Updated(sessionId, token, conversationUrl);
    }

    private void beat(LeaseRegistry.Held h) {
        try {
            h.lease().heartbeat();
        } catch (LeaseRevokedException e) {
            forget(h);
            throw stale(h.lease().sessionId(), h.lease().token(), describe(e));
        }
    }

    private LeaseRegistry.Held held(String sessionId, long token) {
        LeaseRegistry.Held h = registry.held(token);
        if (h != null && h.lease().sessionId().equals(sessionId) && !h.lease().isRevoked()) {
            return h;
        }
        if (h != null && h.lease().isRevoked()) {
            forget(h);
        }
        if (session(sessionId) == null) {
            throw new ApiException(ErrorCode.UNKNOWN_SESSION, "session " + sessionId + " is not known to the kernel");
        }
        throw stale(sessionId, token, "it is not a live lease of this session held through this service");
    }

    private void forget(LeaseRegistry.Held h) {
        if (registry.drop(h)) {
            h.lease().close();
        }
    }

    private static String describe(LeaseRevokedException e) {
        if (e.reason().isPresent()) {
            return "the kernel revoked it: " + e.reason().get();
        }
        if (e.refusal().isPresent()) {
            return "the kernel refused it: " + e.refusal().get();
        }
        return "it was released";
    }

    private static ApiException stale(String sessionId, long token, String why) {
        return new ApiException(ErrorCode.STALE_TOKEN, "token " + token + " is not the lease of session " + sessionId
                + ": " + why + "; nothing changed");
    }

    private Session session(String sessionId) {
        for (Session s : store.snapshot().sessions()) {
            if (s.sessionId().equals(sessionId)) {
                return s;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ CDP sockets

    /** @return the lease's CDP socket URL, {@code ws://HOST:PORT/v1/cdp/<sessionId>/<token>} */
    String cdpUrl(String sessionId, long token) {
        return wsBase.get() + "/v1/cdp/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8).replace("+", "%20")
                + "/" + token;
    }

    /**
     * The lease a CDP socket may be opened for.
     *
     * @throws ApiException {@code UNKNOWN_SESSION}, {@code STALE_TOKEN}, {@code UNAVAILABLE} (stopping)
     */
    LeaseRegistry.Held cdpLease(String sessionId, long token) {
        ensureOpen();
        return held(sessionId, token);
    }

    /**
     * The fence of the CDP sockets: whether {@code h} is still a live lease held through the service (not
     * released, not revoked as far as this process knows, the service not stopping).
     */
    boolean isLive(LeaseRegistry.Held h) {
        return !closed && registry.held(h.lease().token()) == h && !h.lease().isRevoked();
    }

    /** @return Chrome's own WebSocket of the page target {@code targetId} */
    URI pageSocket(String targetId) {
        return URI.create(chromeWsBase + "/devtools/page/" + URLEncoder.encode(targetId, StandardCharsets.UTF_8));
    }

    /** @return the open CDP sockets */
    CdpSockets sockets() {
        return sockets;
    }

    // ------------------------------------------------------------------ status, upkeep

    /** The read-only status. */
    Answer status() {
        ensureOpen();
        return new Answer.Status(StatusView.of(store.snapshot(), store.config(), registry));
    }

    /** The metrics, Prometheus text format. */
    Answer metrics() {
        ensureOpen();
        return new Answer.Text("text/plain; version=0.0.4; charset=utf-8", metrics.render(store.snapshot()));
    }

    /** The live timeline page of the service's own transitions. */
    Answer timeline() {
        ensureOpen();
        return new Answer.Text("text/html; charset=utf-8", LiveTimeline.render(store.config(), observed.recorded()));
    }

    private void sweep() {
        try {
            for (LeaseRegistry.Held h : registry.heldLeases()) {
                if (h.lease().isRevoked()) {
                    forget(h);
                }
            }
            long now = System.nanoTime();
            for (LeaseRegistry.Waiting w : registry.waitings()) {
                long at = w.settledAtNanos;
                if (at != 0 && now - at > SETTLED_RETENTION_NANOS) {
                    registry.forget(w);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "sweep failed", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ApiException(ErrorCode.UNAVAILABLE, "the service is stopping");
        }
    }

    /** Withdraws the waiting acquires and releases the held leases with {@code DETACH}. */
    @Override
    public void close() {
        closed = true;
        sockets.closeAll(new CdpSocket.Close(CdpSocket.CLOSE_GOING_AWAY, "the service is stopping"));
        sweeper.shutdownNow();
        for (LeaseRegistry.Waiting w : registry.waitings()) {
            if (!w.answer.isDone()) {
                w.pending.cancel();
            }
        }
        waiters.shutdownNow();
        for (LeaseRegistry.Held h : registry.heldLeases()) {
            if (registry.drop(h)) {
                h.lease().detach();
            }
        }
    }
}

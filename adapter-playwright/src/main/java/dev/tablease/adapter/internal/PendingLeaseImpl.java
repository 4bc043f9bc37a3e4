package dev.tablease.adapter.internal;

import dev.tablease.adapter.LeaseRejectedException;
import dev.tablease.adapter.PendingLease;
import dev.tablease.adapter.TabLease;
import dev.tablease.adapter.TabLeaseException;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An acquire in progress. Each {@link Attempt} is one {@code Acquire} in the kernel (one holder name, one
 * request id); a new attempt is made only when a granted tab died before it could be handed over.
 */
final class PendingLeaseImpl implements PendingLease {

    /** Marks an attempt whose tab died before the handover: acquire again (recovery). */
    private static final Object RETRY = new Object();

    /** One {@code Acquire} of this pending lease. */
    final class Attempt {
        private final String holder;
        private final CompletableFuture<Object> result = new CompletableFuture<>();
        private volatile long requestId;
        private volatile long queueDeadline;
        /** A grant or rejection for this attempt was decided by a transition of this process. */
        volatile boolean decidedLocally;

        Attempt(String holder) {
            this.holder = holder;
        }

        String holder() {
            return holder;
        }

        String sessionId() {
            return sessionId;
        }

        String key() {
            return key;
        }

        long requestId() {
            return requestId;
        }

        long queueDeadline() {
            return queueDeadline;
        }

        PendingLeaseImpl owner() {
            return PendingLeaseImpl.this;
        }

        boolean isDone() {
            return result.isDone();
        }

        /** @return false when the waiter is gone (cancelled): the caller must release the lease */
        boolean grant(TabLease lease) {
            broker.unregister(holder);
            return !cancelled && result.complete(lease);
        }

        void reject(LeaseRejectedException e) {
            broker.unregister(holder);
            result.completeExceptionally(e);
        }

        void retry() {
            broker.unregister(holder);
            result.complete(RETRY);
        }
    }

    private final TabBrokerImpl broker;
    private final String sessionId;
    private final String key;
    private final String requestClass;
    private final int maxRetries;
    private volatile Attempt current;
    private volatile boolean cancelled;
    private volatile boolean delivered;
    private int retries;

    PendingLeaseImpl(TabBrokerImpl broker, String sessionId, String key, String requestClass, int maxRetries) {
        this.broker = broker;
        this.sessionId = sessionId;
        this.key = key;
        this.requestClass = requestClass;
        this.maxRetries = maxRetries;
    }

    /** Applies a new {@code Acquire}; throws at once when it is rejected or refused. */
    void submit() {
        String holder = broker.newHolder();
        Attempt a = new Attempt(holder);
        broker.register(holder, a);
        current = a;
        SharedLeaseKernel.Step step;
        try {
            step = broker.apply(now -> new Input.Acquire(now, sessionId, key, holder, requestClass));
        } catch (RuntimeException e) {
            broker.unregister(holder);
            throw e;
        }
        boolean mentioned = false;
        LeaseRejectedException rejected = null;
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.Granted g && g.holder().equals(holder)) {
                a.requestId = g.requestId();
                mentioned = true;
            } else if (d instanceof Decision.Queued q && q.holder().equals(holder)) {
                a.requestId = q.requestId();
                a.queueDeadline = q.queueDeadline();
                mentioned = true;
            } else if (d instanceof Decision.Rejected r && r.holder().equals(holder)) {
                a.requestId = r.requestId();
                rejected = new LeaseRejectedException(sessionId, r.reason(), null, r.retryAfterMillis(), null);
                mentioned = true;
            }
        }
        if (!mentioned) {
            broker.unregister(holder);
            Decision last = step.decisions().get(step.decisions().size() - 1);
            if (last instanceof Decision.Refused r) {
                throw new LeaseRejectedException(sessionId, null, r.reason(), 0, r.detail());
            }
            throw new TabLeaseException("acquire of session " + sessionId + " got no answer: " + step.decisions());
        }
        if (rejected != null) {
            broker.unregister(holder);
            throw rejected;
        }
    }

    @Override
    public long requestId() {
        return current.requestId;
    }

    @Override
    public Optional<Long> queueDeadline() {
        long d = current.queueDeadline;
        return d > 0 ? Optional.of(d) : Optional.empty();
    }

    @Override
    public TabLease await() throws InterruptedException {
        while (true) {
            Optional<TabLease> lease = awaitFor(Long.MAX_VALUE);
            if (lease.isPresent()) {
                return lease.get();
            }
        }
    }

    @Override
    public Optional<TabLease> await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return awaitFor(deadline);
    }

    private Optional<TabLease> awaitFor(long deadlineNanos) throws InterruptedException {
        long poll = TimeUnit.MILLISECONDS.toNanos(broker.pollIntervalMillis());
        while (true) {
            Attempt a = current;
            long wait = Math.min(poll, deadlineNanos - System.nanoTime());
            if (wait <= 0) {
                return Optional.empty();
            }
            Object r;
            try {
                r = a.result.get(wait, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                broker.discover(a);
                continue;
            } catch (InterruptedException e) {
                cancel();
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new TabLeaseException("acquire of session " + sessionId + " failed", e.getCause());
            }
            if (r == RETRY) {
                synchronized (this) {
                    if (cancelled) {
                        throw new LeaseRejectedException(sessionId, dev.tablease.kernel.RejectReason.CANCELLED, null, 0, null);
                    }
                    if (++retries > maxRetries) {
                        throw new TabLeaseException("session " + sessionId + ": the tab died before the handover "
                                + retries + " times");
                    }
                    submit();
                }
                continue;
            }
            delivered = true;
            return Optional.of((TabLease) r);
        }
    }

    @Override
    public void cancel() {
        Attempt a;
        synchronized (this) {
            if (cancelled || delivered) {
                return;
            }
            cancelled = true;
            a = current;
        }
        if (a.isDone()) {
            closeIfGranted(a);
            return;
        }
        long requestId = a.requestId;
        if (requestId > 0) {
            SharedLeaseKernel.Step step = broker.apply(now -> new Input.Cancel(now, requestId));
            for (Decision d : step.decisions()) {
                if (d instanceof Decision.Rejected r && r.requestId() == requestId) {
                    a.reject(new LeaseRejectedException(sessionId, r.reason(), null, 0, null));
                    return;
                }
            }
        }
        // the grant raced the cancel: once it is handed over, grant() refuses it and the lease is released
        if (a.isDone()) {
            closeIfGranted(a);
        }
    }

    private static void closeIfGranted(Attempt a) {
        Object r = a.result.getNow(null);
        if (r instanceof TabLease lease) {
            lease.close();
        }
    }
}

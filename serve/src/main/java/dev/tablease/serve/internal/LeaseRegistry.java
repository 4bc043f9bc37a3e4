package dev.tablease.serve.internal;

import dev.tablease.adapter.PendingLease;
import dev.tablease.adapter.TabLease;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the service holds for its remote clients: the leases granted through it (by fencing token) and the
 * acquires it waits on (by the kernel's request id). Thread-safe. It decides nothing: a lease is here until its
 * holder releases it or the kernel revoked it; an acquire until its answer is settled and kept a while.
 */
final class LeaseRegistry implements StatusView.Names {

    /**
     * A lease held through the service.
     *
     * @param lease        the broker's lease (never beaten by the broker itself: the client beats)
     * @param clientHolder the holder named in the acquire
     * @param requestId    the acquire that was granted
     */
    record Held(TabLease lease, String clientHolder, long requestId) {
    }

    /** An acquire the service waits on, in a thread of its own, until the kernel grants or rejects it. */
    static final class Waiting {
        /** The kernel's id of the acquire (the first attempt's, when the broker had to acquire again). */
        final long requestId;
        /** The session asked for. */
        final String sessionId;
        /** The holder named in the acquire. */
        final String clientHolder;
        /** When the kernel rejects it if it still waits (absolute ms), 0 when it was granted at once. */
        final long queueDeadline;
        /** The broker's pending acquire. */
        final PendingLease pending;
        /** Granted, rejected or an error; completed once by the waiting thread. */
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        /** {@link System#nanoTime()} when the acquire came in. */
        final long requestedAtNanos = System.nanoTime();
        /** {@link System#nanoTime()} when the answer was settled, 0 before. */
        volatile long settledAtNanos;

        Waiting(long requestId, String sessionId, String clientHolder, long queueDeadline, PendingLease pending) {
            this.requestId = requestId;
            this.sessionId = sessionId;
            this.clientHolder = clientHolder;
            this.queueDeadline = queueDeadline;
            this.pending = pending;
        }
    }

    /** The held leases by token (tokens are globally unique: the kernel never reuses one). */
    private final ConcurrentHashMap<Long, Held> byToken = new ConcurrentHashMap<>();
    /** The client's holder name by the kernel's holder name of each held lease. */
    private final ConcurrentHashMap<String, String> clientHolders = new ConcurrentHashMap<>();
    /** The acquires by request id (settled ones kept a while for {@code /v1/wait}). */
    private final ConcurrentHashMap<Long, Waiting> byRequest = new ConcurrentHashMap<>();
    /** How many acquires of {@link #byRequest} wait for their answer (counted, not searched: there may be many settled ones). */
    private final AtomicInteger unsettled = new AtomicInteger();

    void hold(Held h) {
        clientHolders.put(h.lease().holder(), h.clientHolder());
        byToken.put(h.lease().token(), h);
    }

    /** @return the held lease with this token, or {@code null} */
    Held held(long token) {
        return byToken.get(token);
    }

    /** @return whether {@code h} was still held (exactly one caller removes it) */
    boolean drop(Held h) {
        boolean removed = byToken.remove(h.lease().token(), h);
        if (removed) {
            clientHolders.remove(h.lease().holder(), h.clientHolder());
        }
        return removed;
    }

    /** @return a copy of the held leases */
    List<Held> heldLeases() {
        return List.copyOf(byToken.values());
    }

    void await(Waiting w) {
        unsettled.incrementAndGet();
        w.answer.whenComplete((a, e) -> unsettled.decrementAndGet());
        byRequest.put(w.requestId, w);
    }

    /** @return the acquire with this request id, or {@code null} */
    Waiting waiting(long requestId) {
        return byRequest.get(requestId);
    }

    void forget(Waiting w) {
        byRequest.remove(w.requestId, w);
    }

    /** @return how many acquires wait for the kernel's answer */
    int unsettled() {
        return unsettled.get();
    }

    /** @return a copy of the acquires */
    List<Waiting> waitings() {
        return List.copyOf(byRequest.values());
    }

    @Override
    public String ofLease(String kernelHolder) {
        return clientHolders.get(kernelHolder);
    }

    @Override
    public String ofRequest(long requestId) {
        Waiting w = byRequest.get(requestId);
        return w == null ? null : w.clientHolder;
    }
}

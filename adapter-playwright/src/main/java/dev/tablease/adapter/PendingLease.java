package dev.tablease.adapter;

import java.time.Duration;
import java.util.Optional;

/**
 * An acquire in progress (see {@link TabBroker#request}): the request is already in the kernel, granted or
 * queued. {@link #await()} waits for the grant; {@link #cancel()} withdraws the request ({@code Input.Cancel}).
 * Thread-safe: one thread may await while another cancels.
 */
public interface PendingLease {

    /** @return the kernel's id for this request */
    long requestId();

    /** @return when the kernel rejects the request if it still waits ({@code QUEUE_TIMEOUT}), or empty when granted at once */
    Optional<Long> queueDeadline();

    /**
     * Waits for the grant, at most until the queue deadline (the kernel then rejects the request).
     *
     * @return the lease
     * @throws LeaseRejectedException when the request is rejected (timeout, queue full, cancelled …)
     * @throws InterruptedException   when the waiting thread is interrupted; the request is cancelled first
     */
    TabLease await() throws InterruptedException;

    /**
     * Waits at most {@code timeout}.
     *
     * @param timeout how long to wait at most
     * @return the lease, or empty when it is not granted yet (the request keeps waiting)
     * @throws LeaseRejectedException when the request is rejected
     * @throws InterruptedException   when the waiting thread is interrupted; the request is cancelled first
     */
    Optional<TabLease> await(Duration timeout) throws InterruptedException;

    /**
     * Withdraws the request. When the grant raced the cancel, the lease is released with {@code DETACH}
     * (the session goes on). Idempotent.
     */
    void cancel();
}

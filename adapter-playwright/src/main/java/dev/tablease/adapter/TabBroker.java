package dev.tablease.adapter;

import dev.tablease.adapter.internal.TabBrokerImpl;
import dev.tablease.store.KernelStore;

/**
 * The adapter for one process: reaches Chrome, carries out the kernel's decisions on real tabs
 * ({@code OpenTab}, {@code CloseTab}, {@code ResetTab}, {@code Navigate}), reports what happened to them
 * ({@code TabOpened} with the CDP target id, {@code TabOpenFailed}, {@code TabGone} with a cause,
 * {@code TabClosed}), heartbeats the leases it handed out and ticks the store. Every kernel transition goes
 * through the {@link KernelStore}; no Chrome I/O happens under the store's lock.
 *
 * <p>Thread-safe. Threads: one executor thread (decisions, in order), one timer thread (heartbeats,
 * ticks, event delivery); Playwright calls from any thread are serialised by one lock.
 *
 * <p>Several processes may share one store and one Chrome (connect mode): each runs a broker; whichever
 * applies an input carries out the decisions it returns. See {@code docs/adapter.md}.
 */
public interface TabBroker extends AutoCloseable {

    /**
     * Starts a broker: creates Playwright, launches or connects to Chrome, starts its threads.
     *
     * @param config how to reach Chrome and the timings
     * @param store  where the kernel's state lives (in memory, or a file shared by processes)
     * @return the running broker; {@link #close()} it
     */
    static TabBroker start(AdapterConfig config, KernelStore store) {
        return TabBrokerImpl.start(config, store);
    }

    /**
     * Acquires the lease of {@code sessionId} (a new session, a reattach, a recovery after its tab died, or a
     * wait behind the current driver) and waits for it, at most until the queue deadline.
     *
     * @param sessionId    the session, chosen by the caller
     * @param key          the vendor/profile key whose caps apply
     * @param requestClass names the deadline budget (for example {@code "default"} or {@code "pro"})
     * @return the lease; close it (or release it) when done
     * @throws LeaseRejectedException when admission rejects the request or the kernel refuses it
     * @throws InterruptedException   when interrupted while waiting (the request is cancelled)
     */
    TabLease acquire(String sessionId, String key, String requestClass) throws InterruptedException;

    /**
     * Submits an acquire and returns at once (granted or queued), so that the caller can wait with a
     * timeout or {@linkplain PendingLease#cancel() cancel}.
     *
     * @param sessionId    the session, chosen by the caller
     * @param key          the vendor/profile key whose caps apply
     * @param requestClass names the deadline budget
     * @return the pending request
     * @throws LeaseRejectedException when rejected or refused at once
     */
    PendingLease request(String sessionId, String key, String requestClass);

    /**
     * Acquires the session, runs {@code action}, and releases with {@code outcome} (or {@code FAILED} when the
     * action throws something else than a dead tab). When the tab dies under the action
     * ({@link TabFailureException} with a gone cause, or the lease revoked for {@code TAB_GONE}), the session is
     * acquired again and the action runs again, up to {@code maxRecoveries} times. The recovery takes the
     * replacement tab the kernel opened under the session's own slot when the tab died (the reservation moved
     * there; a waiter of the key cannot take the slot first; the session's {@code recoveryCount} grows by one)
     * and navigated to its conversation URL. A session without a conversation URL cannot be recovered: the
     * kernel ended it ({@code TAB_GONE}, its slot went to the next waiter) and this method throws
     * {@link SessionEndedException} instead of starting a new session under the same id.
     *
     * @param <T>           the action's result type
     * @param sessionId     the session, chosen by the caller
     * @param key           the vendor/profile key whose caps apply
     * @param requestClass  names the deadline budget
     * @param outcome       the release outcome after a successful action
     * @param maxRecoveries how many times the action may run again on a new tab
     * @param action        the work to do under the lease
     * @return the action's result
     * @throws LeaseRejectedException when an acquire is rejected or refused
     * @throws SessionEndedException  when the tab died and the session ended instead of moving to a new tab
     * @throws InterruptedException   when interrupted while waiting or in the action
     */
    <T> T withSession(String sessionId, String key, String requestClass, dev.tablease.kernel.Outcome outcome,
                      int maxRecoveries, LeaseAction<T> action) throws InterruptedException;

    /** @return the store the broker applies its inputs to */
    KernelStore store();

    /** @return the configuration */
    AdapterConfig config();

    /**
     * Stops the broker: cancels waiting requests, releases open leases with {@code DETACH}, stops the threads,
     * then closes a launched browser or only disconnects from a connected one (connect mode never closes the
     * user's browser or tabs). Does not close the store.
     */
    @Override
    void close();
}

package dev.tablease.adapter;

import com.microsoft.playwright.Page;
import dev.tablease.kernel.Outcome;

/**
 * A driver lease on one session's tab, as an agent holds it: obtained from {@link TabBroker#acquire},
 * released by {@link #close()}.
 *
 * <ul>
 *   <li><b>Heartbeats on its own</b>: the broker's timer thread beats every {@code heartbeatIntervalMillis}
 *       until the lease is closed or revoked.</li>
 *   <li><b>Fenced writes</b>: {@link #setConversationUrl} is an {@code UpdateSession} with this lease's
 *       token; a stale token changes nothing and is reported as {@link LeaseRevokedException}.</li>
 *   <li><b>Revocation</b>: once the kernel revoked the lease (missed heartbeats, deadline, tab gone) or it
 *       was released, every method that uses the tab throws {@link LeaseRevokedException} with the reason.</li>
 *   <li><b>Use, then classify</b>: {@link #call} runs Playwright code on the page and turns a Playwright
 *       failure into a {@link TabFailureException} carrying a typed {@link TabFailure}; a dead tab is reported
 *       to the kernel at once.</li>
 *   <li><b>Threading</b>: Playwright for Java is not thread-safe. {@link #call} runs the action under the
 *       broker's Playwright lock, so concurrent leases in one process are safe; keep actions short (poll
 *       rather than wait for minutes), other leases wait for the lock meanwhile. {@link #page()} hands out the
 *       raw page for single-threaded use only.</li>
 * </ul>
 *
 * {@code close()} releases with the outcome chosen by {@link #complete()}, {@link #fail()},
 * {@link #cancelSession()} or {@link #detach()}; the default is {@link Outcome#DETACH}: the reservation
 * stays and a later acquire of the same session reattaches to the same tab.
 */
public interface TabLease extends AutoCloseable {

    /** @return the session driven */
    String sessionId();

    /** @return the session's vendor/profile key */
    String key();

    /** @return this holder's name in the kernel */
    String holder();

    /** @return the fencing token */
    long token();

    /** @return Chrome's CDP target id of the tab */
    String targetId();

    /** @return the session's deadline (absolute milliseconds): the reservation ends then at the latest */
    long deadline();

    /**
     * @return when the lease lapses unless beaten before (absolute milliseconds of the store's clock), as of its
     *         grant or this handle's last accepted {@link #heartbeat()}; a read of this handle, not of the store
     */
    long expiresAt();

    /**
     * @return the tab's Playwright page, for single-threaded use (see the class comment)
     * @throws LeaseRevokedException when the lease is no longer held
     */
    Page page();

    /**
     * Runs {@code action} on the page under the broker's Playwright lock. A Playwright failure is classified
     * ({@link FailureClassifier}); when the tab is dead the kernel is told and this lease is revoked.
     *
     * @param <T>    the action's result type
     * @param action what to do with the page
     * @return the action's result
     * @throws LeaseRevokedException when the lease is no longer held (before the action runs)
     * @throws TabFailureException   when the action failed in Playwright
     */
    <T> T call(PageAction<T> action);

    /**
     * {@link #call} for an action without a result.
     *
     * @param action what to do with the page
     */
    default void run(java.util.function.Consumer<Page> action) {
        call(page -> {
            action.accept(page);
            return null;
        });
    }

    /**
     * Fenced write of the session's conversation URL ({@code UpdateSession} with this lease's token).
     *
     * @param url the conversation's URL, where a recovery navigates the new tab
     * @throws LeaseRevokedException when the kernel refused the token
     */
    void setConversationUrl(String url);

    /** Heartbeats now (the timer does it anyway). @throws LeaseRevokedException when refused */
    void heartbeat();

    /** @return whether the lease is known to be revoked or released */
    boolean isRevoked();

    /**
     * Registers {@code listener} to be told once, the moment this lease ends: revoked by the kernel (missed
     * heartbeats, the deadline, the tab gone, as this process sees the decision), refused (a heartbeat or write
     * whose token the kernel no longer accepts), or released by its holder. The listener gets the exception every
     * further use of the lease throws, carrying the reason ({@link LeaseRevokedException#reason()},
     * {@link LeaseRevokedException#refusal()}; neither for a release). It runs on the thread that learned of the
     * end (the broker's timer, the releasing thread), so it must be quick and must not block; an exception it
     * throws is logged and ignored. A lease that has ended already calls it at once, on the caller's thread.
     *
     * @param listener what to run when the lease ends
     */
    void whenEnded(java.util.function.Consumer<LeaseRevokedException> listener);

    /**
     * Releases the lease with {@code outcome} and reports whether the kernel took it: unlike {@link #close()} and
     * the outcome methods below (which never throw), a release the kernel refuses (the lease lapsed, or was
     * revoked, before it) throws. The lease is ended either way.
     *
     * @param outcome {@code DETACH} (the session goes on), {@code COMPLETED}, {@code FAILED} or {@code CANCELLED}
     * @throws LeaseRevokedException the lease had ended already (released, revoked) or the kernel refused the
     *                               release; its {@code reason()}/{@code refusal()} say why
     */
    void release(Outcome outcome);

    /** Marks the outcome {@link Outcome#COMPLETED} and closes: the reservation ends, the tab is pooled. */
    void complete();

    /** Marks the outcome {@link Outcome#FAILED} and closes. */
    void fail();

    /** Marks the outcome {@link Outcome#CANCELLED} and closes. */
    void cancelSession();

    /** Closes with {@link Outcome#DETACH}: the session goes on without a driver; the tab stays reserved. */
    void detach();

    /**
     * Releases the lease with the chosen outcome ({@link Outcome#DETACH} unless another was chosen) and stops
     * the heartbeat. A lease already revoked is only forgotten. Idempotent; never throws.
     */
    @Override
    void close();
}

package dev.tablease.adapter.internal;

import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.PlaywrightException;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The adapter's raw CDP round trips ({@code CDPSession.send}), each with an end: Playwright's {@code send} has no
 * timeout of its own, and a send on the browser's CDP session that is in flight when the launched browser is killed is
 * never answered (Playwright 1.62; {@code UsageExampleTest}'s kill hung that way in 4 runs of 5 on a loaded host: the
 * caller held the chrome lock, so every Playwright call after it waited behind it for good).
 *
 * <p>A send ends at the latest {@code timeoutMillis} after it started, or as soon as {@link #abandonInFlight} is
 * called (the browser's disconnect handler does, on the thread that is inside the send): the calling thread is
 * interrupted, which ends Playwright's wait for the answer, and the send throws {@link Unanswered}. An interrupt that
 * lands after the answer came is cleared again, so it never leaks into the caller's next wait.
 *
 * <p>Concurrency: sends are made with the chrome lock held, so at most one is in flight; the deadline thread only
 * interrupts, under the call's monitor, a call that has not ended.
 */
final class BoundedCdp implements AutoCloseable {

    /** A raw CDP call that got no answer: the deadline passed, or the browser disconnected while it was in flight. */
    static final class Unanswered extends PlaywrightException {
        private static final long serialVersionUID = 1L;
        private final boolean disconnected;

        Unanswered(String method, String why, boolean disconnected, Throwable cause) {
            super("no answer to CDP " + method + ": " + why, cause);
            this.disconnected = disconnected;
        }

        /** @return whether the browser's disconnect ended the wait (rather than the deadline) */
        boolean disconnected() {
            return disconnected;
        }
    }

    /** One send in flight. */
    private static final class Call {
        private final Thread thread;
        private boolean ended;
        private String expiredBecause;
        private boolean disconnected;

        Call(Thread thread) {
            this.thread = thread;
        }

        synchronized void expire(String because, boolean byDisconnect) {
            if (!ended && expiredBecause == null) {
                expiredBecause = because;
                disconnected = byDisconnect;
                thread.interrupt();
            }
        }

        /** Ends the call (idempotent); clears the interrupt an expiry caused. @return whether it expired */
        synchronized boolean end() {
            if (!ended) {
                ended = true;
                if (expiredBecause != null) {
                    Thread.interrupted();
                }
            }
            return expiredBecause != null;
        }
    }

    private final long timeoutMillis;
    private final ScheduledExecutorService deadlines;
    private volatile Call inFlight;

    /** @param timeoutMillis the longest a send may wait for its answer (positive) */
    BoundedCdp(long timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be positive, was " + timeoutMillis);
        }
        this.timeoutMillis = timeoutMillis;
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tablease-cdp-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sends {@code method} on {@code session} and waits, at most {@code timeoutMillis}, for its answer.
     *
     * @param session the CDP session
     * @param method  the CDP method
     * @param params  its parameters, or {@code null} for none
     * @return the answer
     * @throws Unanswered         when no answer came in time, or the browser disconnected meanwhile
     * @throws PlaywrightException when the browser answered with an error
     */
    JsonObject send(CDPSession session, String method, JsonObject params) {
        Call call = new Call(Thread.currentThread());
        ScheduledFuture<?> deadline = deadlines.schedule(
                () -> call.expire(String.format(java.util.Locale.ROOT, "none within %,d ms", timeoutMillis), false), timeoutMillis,
                TimeUnit.MILLISECONDS);
        inFlight = call;
        try {
            return params == null ? session.send(method) : session.send(method, params);
        } catch (PlaywrightException e) {
            if (call.end()) {
                throw new Unanswered(method, call.expiredBecause, call.disconnected, e);
            }
            throw e;
        } finally {
            inFlight = null;
            deadline.cancel(false);
            call.end();
        }
    }

    /**
     * Ends the wait of the send in flight on the calling thread, if any: called from Playwright's disconnect handler,
     * which runs inside that send; the answer can no longer come.
     */
    void abandonInFlight() {
        Call call = inFlight;
        if (call != null && call.thread == Thread.currentThread()) {
            call.expire("the browser disconnected while it was in flight", true);
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }
}

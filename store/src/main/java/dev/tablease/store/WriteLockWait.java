package dev.tablease.store;

import org.sqlite.BusyHandler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How a connection of {@link SqliteKernelStore} waits for another connection's write lock: SQLite's own busy
 * handler sleeps 1, 2, 5, 10 … 100 ms between two tries, far longer than a transition holds the lock (about one
 * fsync), so with several processes most of the time went to sleeping. This one retries after 20 µs, doubling up
 * to 1 ms, until {@code timeoutMillis} have passed since the first try; then the statement fails with
 * {@code SQLITE_BUSY} (a retryable {@link StoreDatabaseException}).
 */
final class WriteLockWait extends BusyHandler {

    /** The longest pause between two tries. */
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** How long one statement may wait in all. */
    private final long timeoutNanos;
    /** When the current wait began ({@code callback(0)}). */
    private long startedNanos;

    /** @param timeoutMillis how long one statement may wait for the lock in all */
    WriteLockWait(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** @return 1 to try again, 0 to give up ({@code SQLITE_BUSY}) */
    @Override
    protected int callback(int previousTries) {
        long now = System.nanoTime();
        if (previousTries == 0) {
            startedNanos = now;
        }
        if (now - startedNanos >= timeoutNanos) {
            return 0;
        }
        LockSupport.parkNanos(Math.min(MAX_PAUSE_NANOS, 20_000L << Math.min(previousTries, 6)));
        return 1;
    }
}

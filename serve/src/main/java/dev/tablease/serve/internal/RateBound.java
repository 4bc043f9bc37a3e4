package dev.tablease.serve.internal;

/**
 * The service's request rate bound: a token bucket over all clients, refilled at {@code perSecond} and holding
 * one second's worth, so a burst of up to {@code perSecond} requests passes and a steady rate above it is cut
 * to it. Thread-safe (one monitor; a request takes it for a few arithmetic operations).
 */
final class RateBound {

    /** Requests per second. */
    private final int perSecond;
    /** Where time comes from, in nanoseconds ({@link System#nanoTime()}, or a test's). */
    private final java.util.function.LongSupplier nanoTime;
    /** Requests the bucket holds now (at most {@link #perSecond}), guarded by this. */
    private double tokens;
    /** When {@link #tokens} was last refilled, in nanoseconds, guarded by this. */
    private long refilledAt;

    /** @param perSecond requests per second (positive) */
    RateBound(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    RateBound(int perSecond, java.util.function.LongSupplier nanoTime) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("perSecond must be positive, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
        this.tokens = perSecond;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** @return whether a request may pass now (it takes one token) */
    synchronized boolean tryTake() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(perSecond, tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** @return how long until one token is back, in milliseconds (at least 1) */
    synchronized long retryAfterMillis() {
        return Math.max(1, (long) Math.ceil((1 - tokens) * 1000.0 / perSecond));
    }
}

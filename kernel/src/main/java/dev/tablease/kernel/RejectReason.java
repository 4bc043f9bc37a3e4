package dev.tablease.kernel;

/** Why admission said no to an {@link Input.Acquire} (see {@link Decision.Rejected}). */
public enum RejectReason {
    /** The key's queue (or the session's driver queue) is at {@code queueCapacity}. */
    QUEUE_FULL,
    /** The waiter reached its queue deadline. */
    QUEUE_TIMEOUT,
    /** The tab opened for the session could not be opened. */
    OPEN_FAILED,
    /** The session finished or passed its deadline while the driver waited. */
    SESSION_ENDED,
    /** The waiter withdrew with {@link Input.Cancel}. */
    CANCELLED
}

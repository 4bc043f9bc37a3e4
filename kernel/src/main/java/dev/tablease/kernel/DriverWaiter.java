package dev.tablease.kernel;

/**
 * A driver waiting for a session's lease (or, with its session, for a tab).
 *
 * @param requestId     the id the kernel gave its {@link Input.Acquire}
 * @param holder        who waits
 * @param queueDeadline the waiter is rejected with {@link RejectReason#QUEUE_TIMEOUT} at this time, in milliseconds
 */
public record DriverWaiter(long requestId, String holder, long queueDeadline) {
}

package dev.tablease.kernel;

/** How a driver ends its lease with {@link Input.Release}. */
public enum Outcome {
    /** The session goes on without a process attached (a {@code send} that exits while the vendor keeps generating); the reservation stays. */
    DETACH,
    /** The session finished with an answer; the reservation ends. */
    COMPLETED,
    /** The session failed; the reservation ends. */
    FAILED,
    /** The session was cancelled; the reservation ends. */
    CANCELLED
}

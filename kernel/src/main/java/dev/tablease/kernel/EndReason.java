package dev.tablease.kernel;

/** Why a reservation ended (see {@link Decision.ReservationEnded}). */
public enum EndReason {
    /** The session finished (completed, failed or cancelled). */
    FINISHED,
    /** The session's deadline passed. */
    DEADLINE,
    /** The tab died before the session had a conversation URL: nothing to recover, the session ends (fail closed). */
    TAB_GONE,
    /** The tab opened on the session's behalf could not be opened; the session stays, unbound. */
    OPEN_FAILED
}

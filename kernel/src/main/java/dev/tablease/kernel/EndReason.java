package dev.tablease.kernel;

/** Why a reservation ended (see {@link Decision.ReservationEnded}). */
public enum EndReason {
    /** The session finished (completed, failed or cancelled). */
    FINISHED,
    /** The session's deadline passed. */
    DEADLINE,
    /** The tab died; the session may be recovered onto one new tab. */
    TAB_GONE,
    /** The tab opened on the session's behalf could not be opened; the session stays, unbound. */
    OPEN_FAILED
}

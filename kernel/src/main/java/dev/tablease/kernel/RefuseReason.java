package dev.tablease.kernel;

/** Why a well-formed input changed nothing (see {@link Decision.Refused}). */
public enum RefuseReason {
    /** The token is not the session's current lease token (fencing). */
    STALE_TOKEN,
    /** The session has no driver lease. */
    NO_LEASE,
    /** The lease's {@code expiresAt} is not after {@code now}. */
    LEASE_EXPIRED,
    /** No such session. */
    UNKNOWN_SESSION,
    /** No waiting request with that id. */
    UNKNOWN_REQUEST,
    /** No such tab id or target id. */
    UNKNOWN_TAB,
    /** The session exists with another key. */
    KEY_MISMATCH,
    /** The session exists with another request class. */
    CLASS_MISMATCH,
    /** The tab is not OPENING. */
    NOT_OPENING,
    /** The tab is not CLOSING. */
    NOT_CLOSING,
    /** Another tab already has that target id. */
    TARGET_IN_USE
}

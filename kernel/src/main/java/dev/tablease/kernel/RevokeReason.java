package dev.tablease.kernel;

/** Why a driver lease ended without its holder's release (see {@link Decision.Revoked}). */
public enum RevokeReason {
    /** No heartbeat within {@code heartbeatTimeoutMillis}: the driver is presumed dead. */
    HEARTBEAT_MISSED,
    /** The session's deadline passed. */
    DEADLINE,
    /** The tab died under the lease. */
    TAB_GONE
}

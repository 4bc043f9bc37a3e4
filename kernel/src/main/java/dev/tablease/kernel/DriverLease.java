package dev.tablease.kernel;

/**
 * The session's command mutex: who may act on the reserved tab right now (send, poll, watch,
 * recover). At most one per session.
 *
 * <p>Invariant: {@code expiresAt == min(session deadline, lastBeat + heartbeatTimeoutMillis)}.
 *
 * @param sessionId the session driven
 * @param holder    who drives (free text chosen by the caller, e.g. {@code "send pid 4242"})
 * @param token     fencing token, globally monotonic; every write and heartbeat must present it
 * @param lastBeat  time of the grant or the last accepted heartbeat, in milliseconds
 * @param expiresAt the lease is void at and after this time, in milliseconds
 */
public record DriverLease(String sessionId, String holder, long token, long lastBeat, long expiresAt) {
}

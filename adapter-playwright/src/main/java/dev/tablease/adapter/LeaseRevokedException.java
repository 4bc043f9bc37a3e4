package dev.tablease.adapter;

import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RevokeReason;

import java.util.Optional;

/**
 * The lease is no longer held: it was revoked (missed heartbeats, the session's deadline, the tab died)
 * or it was already released. A revoked {@link TabLease} refuses every further use with this exception;
 * the holder can change nothing any more (its token is stale everywhere).
 */
public final class LeaseRevokedException extends TabLeaseException {

    private static final long serialVersionUID = 1L;

    /** The session whose lease is lost. */
    private final String sessionId;
    /** The stale token. */
    private final long token;
    private final transient RevokeReason reason;
    private final transient RefuseReason refusal;

    /**
     * Creates the exception; when neither {@code reason} nor {@code refusal} is given, the lease was released.
     *
     * @param sessionId the session
     * @param token     the lease's token, stale from now on
     * @param reason    why the kernel revoked the lease, or {@code null}
     * @param refusal   why the kernel refused the token, or {@code null}
     * @param detail    more explanation, may be {@code null} or empty
     */
    public LeaseRevokedException(String sessionId, long token, RevokeReason reason, RefuseReason refusal, String detail) {
        super("lease of session " + sessionId + " (token " + token + ") is no longer held: "
                + (reason != null ? reason : refusal != null ? "refused " + refusal : "released")
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.sessionId = sessionId;
        this.token = token;
        this.reason = reason;
        this.refusal = refusal;
    }

    /** @return the session whose lease this was */
    public String sessionId() {
        return sessionId;
    }

    /** @return the stale token */
    public long token() {
        return token;
    }

    /**
     * @return the kernel's revocation reason when this process saw the {@code Revoked} decision; empty when
     * the revocation was learned from a refused heartbeat or write (the decision was taken in another process)
     * or when the lease was released by its holder
     */
    public Optional<RevokeReason> reason() {
        return Optional.ofNullable(reason);
    }

    /** @return the kernel's refusal of this holder's heartbeat or write, when that is how it learned */
    public Optional<RefuseReason> refusal() {
        return Optional.ofNullable(refusal);
    }
}

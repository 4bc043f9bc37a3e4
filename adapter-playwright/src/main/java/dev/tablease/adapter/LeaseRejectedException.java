package dev.tablease.adapter;

import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;

import java.util.Optional;

/**
 * An acquire did not end in a grant: admission rejected it ({@link RejectReason}: queue full, queue
 * timeout, open failed, session ended, cancelled) or the kernel refused it ({@link RefuseReason}: the
 * session exists with another key or request class).
 */
public final class LeaseRejectedException extends TabLeaseException {

    private static final long serialVersionUID = 1L;

    private final transient RejectReason reason;
    private final transient RefuseReason refusal;
    /** A hint from the kernel: retrying earlier is unlikely to help (0: no hint). */
    private final long retryAfterMillis;

    /**
     * Creates the exception; exactly one of {@code reason} and {@code refusal} is given.
     *
     * @param sessionId        the session asked for
     * @param reason           why admission said no, or {@code null}
     * @param refusal          why the kernel refused the request, or {@code null}
     * @param retryAfterMillis the kernel's hint, 0 for none
     * @param detail           more explanation, may be {@code null} or empty
     */
    public LeaseRejectedException(String sessionId, RejectReason reason, RefuseReason refusal, long retryAfterMillis,
                                  String detail) {
        super("acquire of session " + sessionId + " " + (reason != null ? "rejected: " + reason : "refused: " + refusal)
                + (retryAfterMillis > 0 ? ", retry after " + retryAfterMillis + " ms" : "")
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.reason = reason;
        this.refusal = refusal;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** @return why admission said no, when it did */
    public Optional<RejectReason> reason() {
        return Optional.ofNullable(reason);
    }

    /** @return why the kernel refused the request, when it did */
    public Optional<RefuseReason> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** @return the kernel's hint: retrying earlier is unlikely to help (0 when none) */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}

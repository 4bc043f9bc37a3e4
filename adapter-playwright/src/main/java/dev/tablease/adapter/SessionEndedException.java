package dev.tablease.adapter;

import dev.tablease.kernel.EndReason;

import java.util.Optional;

/**
 * The session no longer exists, so it cannot be recovered: {@link TabBroker#withSession} throws this when the
 * session's tab died and the kernel ended the session instead of moving its reservation to a new tab (the
 * session had no conversation URL to navigate a new tab to: it fails closed, {@link EndReason#TAB_GONE}, and its
 * slot goes to the next waiter), or when the session ended otherwise meanwhile (its deadline passed). Acquiring
 * the same session id again would start a <em>new</em> session on whatever tab the pool gives, which is exactly
 * what must not happen silently to a conversation.
 */
public final class SessionEndedException extends TabLeaseException {

    private static final long serialVersionUID = 1L;

    /** The session that ended. */
    private final String sessionId;
    /** Why it ended, or {@code null} when another process applied the decision. */
    private final transient EndReason reason;

    /**
     * Creates the exception.
     *
     * @param sessionId the session that ended
     * @param reason    why the kernel ended it, or {@code null} when this process did not see the decision
     *                  (another process applied it)
     */
    public SessionEndedException(String sessionId, EndReason reason) {
        super("session " + sessionId + " ended" + (reason == null ? "" : " (" + reason + ")")
                + (reason == EndReason.TAB_GONE
                        ? ": its tab died before it had a conversation URL, so there is nothing to recover; its slot is freed"
                        : "; it cannot be recovered"));
        this.sessionId = sessionId;
        this.reason = reason;
    }

    /** @return the session that ended */
    public String sessionId() {
        return sessionId;
    }

    /** @return why the kernel ended it, when this process saw the decision */
    public Optional<EndReason> reason() {
        return Optional.ofNullable(reason);
    }
}

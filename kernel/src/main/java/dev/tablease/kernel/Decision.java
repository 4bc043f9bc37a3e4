package dev.tablease.kernel;

/**
 * What the kernel decided in one step. The kernel decides, the adapter does: decisions are carried
 * out in the order given ({@link ResetTab} and {@link Navigate} for a tab always precede the
 * {@link Granted} that hands it over). Times are absolute milliseconds.
 */
public sealed interface Decision {

    /** @return the name of this decision, as in the spec and the trace format */
    default String name() {
        return getClass().getSimpleName();
    }

    /** {@code holder} now drives {@code sessionId} on the tab, fenced by {@code token}, until {@code expiresAt}. */
    record Granted(long requestId, String sessionId, String holder, long tabId, String targetId, long token,
                   long expiresAt, long deadline) implements Decision {
    }

    /** The request waits, for the session's lease or for a tab, until {@code queueDeadline} at the latest. */
    record Queued(long requestId, String sessionId, String holder, long queueDeadline) implements Decision {
    }

    /** Admission said no; retrying earlier than {@code retryAfterMillis} from now is unlikely to help. */
    record Rejected(long requestId, String sessionId, String holder, RejectReason reason,
                    long retryAfterMillis) implements Decision {
    }

    /** A well-formed input named something unknown or stale and changed nothing. */
    record Refused(String input, RefuseReason reason, String detail) implements Decision {
    }

    /** A heartbeat was accepted. */
    record Extended(String sessionId, long token, long expiresAt) implements Decision {
    }

    /** A release was accepted. */
    record Released(String sessionId, long token, Outcome outcome) implements Decision {
    }

    /** A fenced write was accepted. */
    record Updated(String sessionId, long token) implements Decision {
    }

    /** A lease ended without its holder's release; its token is stale from now on. */
    record Revoked(String sessionId, String holder, long token, RevokeReason reason) implements Decision {
    }

    /**
     * A reservation ended. {@link EndReason#TAB_GONE}: the tab died before the session had a conversation URL,
     * so there is nothing to recover: the session ends (fail closed) and its slot is freed.
     * {@link EndReason#OPEN_FAILED}: the session stays, unbound, for recovery.
     */
    record ReservationEnded(String sessionId, long tabId, EndReason reason) implements Decision {
    }

    /**
     * The session's RESERVED tab {@code fromTabId} died and the session has a conversation URL: its reservation
     * moves to the replacement tab {@code toTabId} (OPENING now, under the same slot of the key: the tab count
     * neither grows past the cap nor drops to let a waiter in first). {@code recoveryCount} is the session's
     * count after this move. An {@link OpenTab} for {@code toTabId} follows.
     */
    record ReservationMoved(String sessionId, long fromTabId, long toTabId, long recoveryCount) implements Decision {
    }

    /** Open a tab for {@code key}; answer with {@link Input.TabOpened} or {@link Input.TabOpenFailed}. */
    record OpenTab(long tabId, String key) implements Decision {
    }

    /** Close the tab; answer with {@link Input.TabClosed} (or {@link Input.TabGone}). */
    record CloseTab(long tabId, String targetId, CloseReason reason) implements Decision {
    }

    /** Reset the tab (stop what runs in it, clear it) before the next {@link Granted} on it is driven. */
    record ResetTab(long tabId, String targetId) implements Decision {
    }

    /** Bring the tab to {@code url}, the session's conversation, before it is driven. */
    record Navigate(long tabId, String targetId, String url) implements Decision {
    }
}

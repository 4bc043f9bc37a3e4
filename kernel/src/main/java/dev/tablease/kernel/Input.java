package dev.tablease.kernel;

/**
 * Everything that can happen to the kernel. Each input carries {@code now}, an absolute time in
 * milliseconds supplied by the caller (the kernel never reads a clock), and is one step of the state
 * machine (one action of the TLA+ spec). The constructors refuse malformed fields with an
 * {@link InvalidInputException}; the kernel refuses time going backwards and unknown request classes.
 */
public sealed interface Input {

    /** @return the time of this input, in milliseconds */
    long now();

    /** @return the name of this input, as in the spec and the trace format */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * A driver asks for a session's lease: a new session, a reattach to a reserved tab, a recovery
     * after the tab died, or a wait behind the current driver.
     */
    record Acquire(long now, String sessionId, String key, String holder, String requestClass) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now          the time of the input, in milliseconds
         * @param sessionId    the session
         * @param key          the vendor/profile key whose caps apply
         * @param holder       who drives, free text (for example {@code "send pid 4242"})
         * @param requestClass names the deadline budget, one of {@link KernelConfig#requestClassBudgetsMillis()}
         * @throws InvalidInputException when a field is null, blank or negative
         */
        public Acquire {
            Require.notNegative(now, "now");
            Require.text(sessionId, "sessionId");
            Require.text(key, "key");
            Require.text(holder, "holder");
            Require.text(requestClass, "requestClass");
        }
    }

    /** The holder of {@code token} is alive: extend the lease. */
    record Heartbeat(long now, String sessionId, long token) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now       the time of the input, in milliseconds
         * @param sessionId the session
         * @param token     the fencing token of the lease being extended
         * @throws InvalidInputException when a field is null, blank, negative or zero
         */
        public Heartbeat {
            Require.notNegative(now, "now");
            Require.text(sessionId, "sessionId");
            Require.positive(token, "token");
        }
    }

    /** The holder of {@code token} ends its lease; {@code outcome} says whether the session goes on. */
    record Release(long now, String sessionId, long token, Outcome outcome) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now       the time of the input, in milliseconds
         * @param sessionId the session
         * @param token     the fencing token of the lease being released
         * @param outcome   whether the session goes on ({@link Outcome#DETACH}) or is finished
         * @throws InvalidInputException when a field is null, blank, negative or zero
         */
        public Release {
            Require.notNegative(now, "now");
            Require.text(sessionId, "sessionId");
            Require.positive(token, "token");
            Require.nonNull(outcome, "outcome");
        }
    }

    /** A fenced write of the session's conversation URL by the holder of {@code token}. */
    record UpdateSession(long now, String sessionId, long token, String conversationUrl) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now             the time of the input, in milliseconds
         * @param sessionId       the session
         * @param token           the fencing token of the writer
         * @param conversationUrl the session's conversation URL
         * @throws InvalidInputException when a field is null, blank, negative or zero
         */
        public UpdateSession {
            Require.notNegative(now, "now");
            Require.text(sessionId, "sessionId");
            Require.positive(token, "token");
            Require.text(conversationUrl, "conversationUrl");
        }
    }

    /** A waiting driver gives up. */
    record Cancel(long now, long requestId) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now       the time of the input, in milliseconds
         * @param requestId the waiting request that gives up
         * @throws InvalidInputException when a field is negative or zero
         */
        public Cancel {
            Require.notNegative(now, "now");
            Require.positive(requestId, "requestId");
        }
    }

    /** The adapter opened the tab of {@link Decision.OpenTab}; Chrome calls it {@code targetId}. */
    record TabOpened(long now, long tabId, String targetId) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now      the time of the input, in milliseconds
         * @param tabId    the tab of the {@link Decision.OpenTab} decision
         * @param targetId Chrome's CDP target id of the new tab
         * @throws InvalidInputException when a field is null, blank, negative or zero
         */
        public TabOpened {
            Require.notNegative(now, "now");
            Require.positive(tabId, "tabId");
            Require.text(targetId, "targetId");
        }
    }

    /** The adapter could not open the tab of {@link Decision.OpenTab}. */
    record TabOpenFailed(long now, long tabId, String reason) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now    the time of the input, in milliseconds
         * @param tabId  the tab of the {@link Decision.OpenTab} decision
         * @param reason free text from the adapter
         * @throws InvalidInputException when a field is null, blank, negative or zero
         */
        public TabOpenFailed {
            Require.notNegative(now, "now");
            Require.positive(tabId, "tabId");
            Require.text(reason, "reason");
        }
    }

    /** The tab died, whatever its state. */
    record TabGone(long now, String targetId, GoneCause cause) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now      the time of the input, in milliseconds
         * @param targetId the CDP target id of the tab that died
         * @param cause    why it died
         * @throws InvalidInputException when a field is null, blank or negative
         */
        public TabGone {
            Require.notNegative(now, "now");
            Require.text(targetId, "targetId");
            Require.nonNull(cause, "cause");
        }
    }

    /** The adapter closed the tab of {@link Decision.CloseTab}. */
    record TabClosed(long now, String targetId) implements Input {
        /**
         * Refuses malformed fields.
         *
         * @param now      the time of the input, in milliseconds
         * @param targetId the CDP target id of the tab the adapter closed
         * @throws InvalidInputException when a field is null, blank or negative
         */
        public TabClosed {
            Require.notNegative(now, "now");
            Require.text(targetId, "targetId");
        }
    }

    /** Expire what is due at {@code now}: leases, reservations, pooled tabs, waiters. */
    record Tick(long now) implements Input {
        /**
         * Refuses a negative time.
         *
         * @param now expire what is due at or before this time, in milliseconds
         * @throws InvalidInputException when {@code now} is negative
         */
        public Tick {
            Require.notNegative(now, "now");
        }
    }
}

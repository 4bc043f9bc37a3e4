package dev.tablease.serve.internal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RejectReason;
import dev.tablease.serve.ErrorCode;

/**
 * Every answer the service gives, as data: the JSON body is the record's components, {@link #httpStatus()} its
 * status. Times are absolute milliseconds of the store's clock; durations are milliseconds. No answer but
 * {@link Granted} (to the holder who acquired) and the fenced-call answers (which echo the caller's own token)
 * ever carries a token.
 */
public sealed interface Answer {

    /** @return the HTTP status of this answer */
    @JsonIgnore
    int httpStatus();

    /**
     * The lease is granted: drive the tab and heartbeat every {@code heartbeatIntervalMillis}.
     *
     * @param outcome                 always {@code "granted"}
     * @param requestId               the kernel's id of the acquire
     * @param sessionId               the session
     * @param holder                  the holder named in the acquire
     * @param token                   the fencing token; every heartbeat, release and update must carry it
     * @param targetId                Chrome's CDP target id of the session's tab
     * @param deadline                when the reservation ends at the latest
     * @param expiresAt               when the lease lapses unless beaten before
     * @param heartbeatIntervalMillis how often to heartbeat (the kernel's setting)
     * @param cdpUrl                  the lease's own CDP socket, {@code ws://HOST:PORT/v1/cdp/<sessionId>/<token>}:
     *                                the tab's page target only, closed when the lease ends
     */
    record Granted(String outcome, long requestId, String sessionId, String holder, long token, String targetId,
                   long deadline, long expiresAt, long heartbeatIntervalMillis, String cdpUrl) implements Answer {
        Granted(long requestId, String sessionId, String holder, long token, String targetId, long deadline,
                long expiresAt, long heartbeatIntervalMillis, String cdpUrl) {
            this("granted", requestId, sessionId, holder, token, targetId, deadline, expiresAt, heartbeatIntervalMillis,
                    cdpUrl);
        }

        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * The request waits (for a tab, or for the session's current driver): long-poll {@code /v1/wait} with the
     * request id, or cancel it.
     *
     * @param outcome       always {@code "queued"}
     * @param requestId     the request to wait on
     * @param sessionId     the session
     * @param queueDeadline when the kernel rejects the request ({@code QUEUE_TIMEOUT}) if it still waits; 0 while
     *                      the kernel is opening a tab for it
     */
    record Queued(String outcome, long requestId, String sessionId, long queueDeadline) implements Answer {
        Queued(long requestId, String sessionId, long queueDeadline) {
            this("queued", requestId, sessionId, queueDeadline);
        }

        @Override
        public int httpStatus() {
            return 202;
        }
    }

    /**
     * Admission said no; a typed error body with the kernel's reason.
     *
     * @param outcome          always {@code "rejected"}
     * @param code             always {@code REJECTED}
     * @param message          for a human
     * @param requestId        the request, 0 when the kernel rejected it in the acquire itself
     * @param sessionId        the session
     * @param reason           the kernel's reason
     * @param retryAfterMillis the kernel's hint: retrying earlier is unlikely to help (0: no hint)
     */
    record Rejected(String outcome, ErrorCode code, String message, long requestId, String sessionId,
                    RejectReason reason, long retryAfterMillis) implements Answer {
        Rejected(long requestId, String sessionId, RejectReason reason, long retryAfterMillis) {
            this("rejected", ErrorCode.REJECTED, "acquire of session " + sessionId + " rejected: " + reason
                    + (retryAfterMillis > 0 ? ", retry after " + retryAfterMillis + " ms" : ""),
                    requestId, sessionId, reason, retryAfterMillis);
        }

        @Override
        public int httpStatus() {
            return ErrorCode.REJECTED.httpStatus();
        }
    }

    /**
     * A heartbeat was accepted.
     *
     * @param sessionId the session
     * @param token     the caller's token
     * @param expiresAt the lease's new expiry
     */
    record Extended(String sessionId, long token, long expiresAt) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * A release was accepted.
     *
     * @param sessionId the session
     * @param token     the caller's token, stale from now on
     * @param outcome   the outcome released with
     */
    record Released(String sessionId, long token, Outcome outcome) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * A fenced write was accepted.
     *
     * @param sessionId       the session
     * @param token           the caller's token
     * @param conversationUrl the session's conversation URL now
     */
    record Updated(String sessionId, long token, String conversationUrl) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * What a cancel did.
     *
     * @param requestId the request
     * @param result    {@code WITHDRAWN} (it was waiting; the kernel rejected it {@code CANCELLED}),
     *                  {@code GRANT_RELEASED} (the grant won the race; the lease was released with {@code DETACH})
     *                  or {@code ALREADY_REJECTED} (it had been rejected before)
     */
    record Cancelled(long requestId, String result) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * A typed error.
     *
     * @param code    the stable code
     * @param message for a human
     */
    record Error(ErrorCode code, String message) implements Answer {
        /** @param e the refusal */
        Error(ApiException e) {
            this(e.code(), e.getMessage());
        }

        @Override
        public int httpStatus() {
            return code.httpStatus();
        }
    }

    /**
     * The read-only status (see {@link StatusView}).
     *
     * @param body the status document
     */
    record Status(@JsonValue StatusView.Document body) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * A page or a text document (the metrics, the timeline), not JSON.
     *
     * @param contentType its media type
     * @param body        the document
     */
    record Text(@JsonIgnore String contentType, @JsonIgnore String body) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /**
     * Not an answer written as one document: the handler streams the request's answer as server-sent events
     * ({@link EventStream}).
     *
     * @param requestId the queued acquire
     * @param first     its answer when the stream starts
     */
    record Events(@JsonIgnore long requestId, @JsonIgnore Answer first) implements Answer {
        @Override
        public int httpStatus() {
            return 200;
        }
    }
}

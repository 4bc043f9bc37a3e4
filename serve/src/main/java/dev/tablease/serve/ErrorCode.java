package dev.tablease.serve;

/**
 * The stable codes of the service's typed error bodies ({@code {"code": "...", "message": "..."}}), each with
 * its HTTP status. A code never changes meaning; new codes may be added. An error never changes the kernel's
 * state: the request was refused before or by the kernel.
 */
public enum ErrorCode {
    /** The body is not a JSON object, a field is missing, of the wrong type, out of range, or unknown. */
    BAD_REQUEST(400),
    /** The request class is not one the kernel is configured with. */
    UNKNOWN_REQUEST_CLASS(400),
    /** No bearer token, or not the service's. */
    UNAUTHORIZED(401),
    /** No such route. */
    NOT_FOUND(404),
    /** The session is not known to the kernel (never acquired, or ended and forgotten). */
    UNKNOWN_SESSION(404),
    /** The request id is not a request this service is waiting on (or its answer was already dropped). */
    UNKNOWN_REQUEST(404),
    /** The route exists, but not with this method. */
    METHOD_NOT_ALLOWED(405),
    /**
     * The token is not the session's current lease token held through this service: the lease was released,
     * revoked (missed heartbeats, deadline, tab gone) or belongs to another holder. Nothing changed.
     */
    STALE_TOKEN(409),
    /** The session exists with another key; the kernel refused the acquire. */
    KEY_MISMATCH(409),
    /** The session exists with another request class; the kernel refused the acquire. */
    CLASS_MISMATCH(409),
    /** The kernel refused the request for another reason (the message names it). */
    REFUSED(409),
    /**
     * Admission said no (queue full, queue timeout, open failed, session ended, cancelled): the body of a rejected
     * acquire also carries {@code reason} and {@code retryAfterMillis}.
     */
    REJECTED(409),
    /** The request body is larger than the configured bound. */
    PAYLOAD_TOO_LARGE(413),
    /** The request's content type is not JSON. */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** Too many requests: the service's rate bound ({@code maxRequestsPerSecond}); retry after {@code Retry-After}. */
    RATE_LIMITED(429),
    /** Something failed inside the service; the details are in its log, never in the answer. */
    INTERNAL(500),
    /** The service is stopping, or no tab could be handed over (the browser unreachable, tabs dying before use). */
    UNAVAILABLE(503);

    /** The HTTP status this code is answered with. */
    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** @return the HTTP status this code is answered with */
    public int httpStatus() {
        return httpStatus;
    }
}

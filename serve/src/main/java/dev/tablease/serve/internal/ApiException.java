package dev.tablease.serve.internal;

import dev.tablease.serve.ErrorCode;

/**
 * A request refused with a typed error: answered as {@code {"code", "message"}} with the code's HTTP status.
 * Thrown before the kernel's state changes (or after the kernel refused the input, which changed nothing).
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The stable code answered. */
    private final transient ErrorCode code;

    /**
     * @param code    the stable code
     * @param message what was wrong, for a human; never a stack trace, a token or a secret
     */
    public ApiException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** @return the stable code */
    public ErrorCode code() {
        return code;
    }
}

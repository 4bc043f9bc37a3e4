package dev.tablease.adapter;

/** Base of the adapter's typed exceptions (unchecked). */
public class TabLeaseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened
     */
    public TabLeaseException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param cause   the underlying failure
     */
    public TabLeaseException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.tablease.adapter;

/** Base of the adapter's typed exceptions (unchecked). */
public class TabLeaseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TabLeaseException(String message) {
        super(message);
    }

    public TabLeaseException(String message, Throwable cause) {
        super(message, cause);
    }
}

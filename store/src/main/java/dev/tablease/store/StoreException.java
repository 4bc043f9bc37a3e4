package dev.tablease.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@link FileKernelStore} could not carry out a transition or open its file. Unchecked, because
 * {@link KernelStore#apply} declares none; every subclass names the file concerned. When one is thrown
 * by a transition, the state file is unchanged (the transition did not happen), except where
 * {@link StoreIOException} says otherwise.
 */
public abstract class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * Creates the exception.
     *
     * @param file    the file concerned
     * @param message what happened
     * @param cause   the underlying failure, or {@code null}
     */
    protected StoreException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** @return the file concerned (the state file, or its last good copy during a recovery) */
    public Path file() {
        return file;
    }
}

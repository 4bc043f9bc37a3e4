package dev.tablease.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An I/O operation on the store's files failed (permissions, full disk, ...). Unless {@link #committed()}
 * says so, the transition did not happen: the state file was not replaced.
 */
public final class StoreIOException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Whether the new state had already replaced the file. */
    private final boolean committed;

    /**
     * Creates the exception.
     *
     * @param file      the file concerned
     * @param what      the operation that failed
     * @param committed whether the new state had already replaced the file
     * @param cause     the I/O failure
     */
    public StoreIOException(Path file, String what, boolean committed, IOException cause) {
        super(file, file + ": " + what + ": " + cause
                + (committed ? " (the new state is in place and other processes see it, but it may not survive a power loss)"
                : " (the transition did not happen; the state file is unchanged)"), cause);
        this.committed = committed;
    }

    /**
     * @return whether the new state had already replaced the file when the failure happened (only the
     * final directory fsync can fail after that point)
     */
    public boolean committed() {
        return committed;
    }
}

package dev.tablease.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An I/O operation on a store's file failed before anything was written: a state file or a database file that
 * cannot be read (permissions, ...), a directory that cannot be created. Nothing was changed.
 */
public final class StoreIOException extends StoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param file  the file concerned
     * @param what  the operation that failed
     * @param cause the I/O failure
     */
    public StoreIOException(Path file, String what, IOException cause) {
        super(file, file + ": " + what + ": " + cause + " (nothing was changed)", cause);
    }
}

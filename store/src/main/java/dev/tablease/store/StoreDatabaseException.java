package dev.tablease.store;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The database failed a transition (locked for longer than the busy timeout, disk full, I/O error, connection
 * lost). The transition did not happen: its database transaction was rolled back, and the process's copy of the
 * kernel is dropped and rebuilt from the database at the next transition. {@link #retryable()} says whether the
 * same call may simply be made again.
 */
public final class StoreDatabaseException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Whether trying again may succeed (a busy or locked database, a lost connection). */
    private final boolean retryable;

    /**
     * Creates the exception.
     *
     * @param database  the database file
     * @param what      what the store was doing
     * @param retryable whether trying again may succeed
     * @param cause     the driver's error
     */
    public StoreDatabaseException(Path database, String what, boolean retryable, SQLException cause) {
        super(database, database + ": " + what + " failed: " + cause.getMessage()
                + (retryable ? " (retryable: nothing was written)" : " (nothing was written)"), cause);
        this.retryable = retryable;
    }

    /** @return whether the same call may be made again */
    public boolean retryable() {
        return retryable;
    }
}

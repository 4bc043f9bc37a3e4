package dev.tablease.store;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The database failed a transition (locked for longer than the busy timeout, disk full, I/O error, connection
 * lost, server shut down). The transition did not happen: its database transaction was rolled back, and the
 * process's copy of the kernel is dropped and rebuilt from the database at the next transition — except when
 * {@link #inDoubt()}: the connection was lost while {@code COMMIT} was in flight, so the server may have
 * committed it. {@link #retryable()} says whether the same call may simply be made again.
 */
public final class StoreDatabaseException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Whether trying again may succeed (a busy or locked database, a lost connection). */
    private final boolean retryable;
    /** Whether the transition may have been committed (connection lost during {@code COMMIT}). */
    private final boolean inDoubt;

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
        this.inDoubt = false;
    }

    /**
     * Creates the exception for a database server's store.
     *
     * @param location  the database's location without credentials
     * @param what      what the store was doing
     * @param retryable whether trying again may succeed
     * @param inDoubt   whether the connection was lost while {@code COMMIT} was in flight
     * @param cause     the driver's error
     */
    public StoreDatabaseException(String location, String what, boolean retryable, boolean inDoubt, SQLException cause) {
        super(location, location + ": " + what + " failed: " + cause.getMessage() + " [SQLSTATE " + cause.getSQLState()
                + "]" + (inDoubt ? " (in doubt: the connection was lost during COMMIT; read the state before retrying)"
                : retryable ? " (retryable: nothing was written)" : " (nothing was written)"), cause);
        this.retryable = retryable;
        this.inDoubt = inDoubt;
    }

    /** @return whether the same call may be made again */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Whether the transition may have happened after all: the connection was lost while its {@code COMMIT} was in
     * flight. The store's state is still consistent (it is rebuilt from the database); the caller reads it
     * ({@link KernelStore#snapshot()}) to learn whether its input was applied before trying again.
     *
     * @return {@code true} only for a lost connection during {@code COMMIT}; always {@code false} for SQLite
     */
    public boolean inDoubt() {
        return inDoubt;
    }
}

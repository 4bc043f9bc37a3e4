package dev.tablease.store;

import java.nio.file.Path;

/**
 * The SQLite database is held by another user in a way that excludes this one, so the store was not opened (nothing
 * was read or written): either another process (or another store of this process) holds it
 * {@linkplain SqliteKernelStore.Options#withExclusive exclusively} — as {@code tablease serve --store <db>} does —
 * or this store asked for it exclusively while another process has it open. It is not retryable in the usual sense:
 * the holder keeps the database until it stops. Ask the holder instead (for {@code tablease serve}: its HTTP API,
 * e.g. {@code GET /v1/status}), or stop it first.
 */
public final class StoreLockedException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Whether this store asked for the database exclusively (and others had it open). */
    private final boolean exclusiveWanted;

    /**
     * Creates the exception.
     *
     * @param database        the database file
     * @param exclusiveWanted whether this store asked for the database exclusively
     * @param detail          how it was found held, e.g. the driver's error
     * @param cause           the driver's error, or {@code null}
     */
    public StoreLockedException(Path database, boolean exclusiveWanted, String detail, Throwable cause) {
        super(database, message(database, exclusiveWanted, detail), cause);
        this.exclusiveWanted = exclusiveWanted;
    }

    private static String message(Path database, boolean exclusiveWanted, String detail) {
        if (exclusiveWanted) {
            return database + ": cannot hold the database exclusively: another process has it open (" + detail
                    + "); an exclusive store (e.g. 'tablease serve --store " + database + "') must be its only user:"
                    + " stop the other processes using it (agents, 'tablease status', another 'tablease serve') and"
                    + " start again (nothing was read or written)";
        }
        return database + ": the database is held exclusively by another process (" + detail + "), e.g. 'tablease"
                + " serve --store " + database + "', which alone may use it while it runs: ask that service instead"
                + " (GET /v1/status gives the state), or stop it first (nothing was read or written)";
    }

    /** @return whether this store asked for the database exclusively while others had it open */
    public boolean exclusiveWanted() {
        return exclusiveWanted;
    }
}

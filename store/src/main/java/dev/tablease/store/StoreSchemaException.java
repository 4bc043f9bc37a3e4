package dev.tablease.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The database is not a tablease store this code may use: it was written by a newer version, or it holds
 * someone else's tables. Nothing is created or changed in it.
 */
public final class StoreSchemaException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Why the database is refused. */
    public enum Problem {
        /** A tablease store of a newer schema version than this code reads (upgrade tablease). */
        NEWER_VERSION,
        /** A tablease store of a version older than the oldest this code reads. */
        UNSUPPORTED_VERSION,
        /** Tables that are not a tablease store (another program's database, or a damaged schema), or not a database. */
        FOREIGN_SCHEMA,
        /**
         * A JSON state file where a database was expected: the removed file store's {@code state.json}, or an
         * export. {@code tablease import} makes a store from it.
         */
        STATE_FILE
    }

    /** Why the database is refused. */
    private final Problem problem;

    /**
     * Creates the exception.
     *
     * @param database the database file
     * @param problem  why it is refused
     * @param detail   what was found
     */
    public StoreSchemaException(Path database, Problem problem, String detail) {
        super(database, database + ": " + problem + ": " + detail + " (the database was not changed)", null);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /**
     * Creates the exception for a database server's store.
     *
     * @param location the database's location without credentials
     * @param problem  why it is refused
     * @param detail   what was found
     */
    public StoreSchemaException(String location, Problem problem, String detail) {
        super(location, location + ": " + problem + ": " + detail + " (the database was not changed)", null);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** @return why the database is refused */
    public Problem problem() {
        return problem;
    }
}

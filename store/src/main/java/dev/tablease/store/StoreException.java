package dev.tablease.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A durable store could not carry out a transition or open its file or database. Unchecked, because
 * {@link KernelStore#apply} declares none; every subclass names the file (or, for a store that is not a
 * file such as {@link PostgresKernelStore}, the database's location) concerned. When one is thrown
 * by a transition, the stored state is unchanged (the transition did not happen), except where
 * {@link StoreDatabaseException#inDoubt()} says otherwise.
 */
public abstract class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The file concerned, or {@code null} for a store that is not a file. */
    private final transient Path file;
    /** The file's path or the database's location, as shown in messages. */
    private final String location;

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
        this.location = file.toString();
    }

    /**
     * Creates the exception for a store that is not a file (a database server).
     *
     * @param location the database's location without credentials, e.g. {@code postgresql://127.0.0.1:5432/tablease}
     * @param message  what happened
     * @param cause    the underlying failure, or {@code null}
     */
    protected StoreException(String location, String message, Throwable cause) {
        super(message, cause);
        this.file = null;
        this.location = Objects.requireNonNull(location, "location");
    }

    /**
     * The file concerned.
     *
     * @return the state file (or its last good copy during a recovery), the SQLite database file; {@code null} for
     *         a store that is not a file ({@link PostgresKernelStore}: see {@link #location()})
     */
    public Path file() {
        return file;
    }

    /** @return the file's path, or the database's location without credentials; never {@code null} */
    public String location() {
        return location;
    }
}

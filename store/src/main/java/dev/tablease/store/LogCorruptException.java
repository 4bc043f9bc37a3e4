package dev.tablease.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A row of a database store's input log or snapshots cannot be used: the log is the durable record of every
 * transition, so such a row is refused, named, and never overwritten. Every transition fails with this
 * exception until the row is repaired by hand (see {@code docs/store.md}, "Corrupt rows"); the rows before it
 * are intact.
 */
public final class LogCorruptException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the row. */
    public enum Problem {
        /** The row's input or decisions are not the trace format's JSON, or its {@code now} disagrees with its input. */
        MALFORMED_ROW,
        /** A sequence number is missing: the log must run 1, 2, 3 … without a gap. */
        SEQUENCE_GAP,
        /** Replaying the row's input gives other decisions than the ones recorded with it. */
        DECISIONS_DISAGREE,
        /** A snapshot differs from the state the replay of the log reaches at its sequence number. */
        SNAPSHOT_DISAGREES,
        /** The kernel refuses the row: a snapshot that breaks an invariant, or an input it rejects on replay. */
        INCONSISTENT_STATE
    }

    /** The kind of problem. */
    private final Problem problem;
    /** The sequence number of the row (a log row, or the snapshot taken after that row). */
    private final long seq;
    /** The table of the row. */
    private final String table;

    /**
     * Creates the exception.
     *
     * @param database the database file
     * @param table    the table of the row ({@code tablease_log} or {@code tablease_snapshot})
     * @param seq      the row's sequence number
     * @param problem  the kind of problem
     * @param detail   what exactly is wrong
     * @param cause    the underlying failure, or {@code null}
     */
    public LogCorruptException(Path database, String table, long seq, Problem problem, String detail, Throwable cause) {
        super(database, message(database.toString(), table, seq, problem, detail), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.table = Objects.requireNonNull(table, "table");
        this.seq = seq;
    }

    /**
     * Creates the exception for a database server's store.
     *
     * @param location the database's location without credentials
     * @param table    the table of the row ({@code tablease_log}, {@code tablease_snapshot} or {@code tablease_head})
     * @param seq      the row's sequence number
     * @param problem  the kind of problem
     * @param detail   what exactly is wrong
     * @param cause    the underlying failure, or {@code null}
     */
    public LogCorruptException(String location, String table, long seq, Problem problem, String detail, Throwable cause) {
        super(location, message(location, table, seq, problem, detail), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.table = Objects.requireNonNull(table, "table");
        this.seq = seq;
    }

    private static String message(String where, String table, long seq, Problem problem, String detail) {
        return where + ": " + table + " row " + seq + ": " + problem + ": " + detail
                + " (nothing was written; see docs/store.md, Corrupt rows)";
    }

    /** @return the kind of problem */
    public Problem problem() {
        return problem;
    }

    /** @return the sequence number of the row */
    public long seq() {
        return seq;
    }

    /** @return the table of the row */
    public String table() {
        return table;
    }
}

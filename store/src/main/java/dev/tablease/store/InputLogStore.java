package dev.tablease.store;

import dev.tablease.store.StateFile.ClockAnchor;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * A {@link KernelStore} kept as an input log in a database ({@code docs/store.md}): {@link SqliteKernelStore} on one
 * host, {@link PostgresKernelStore} across hosts. What the command line ({@code tablease status}, {@code export},
 * {@code timeline}, {@code replay}) reads from either.
 */
public sealed interface InputLogStore extends KernelStore permits SqliteKernelStore, PostgresKernelStore {

    /**
     * Reads rows of the input log (the trace of the store), in order.
     *
     * @param afterSeq the rows after this sequence number (0: from the first)
     * @param max      at most this many rows, at least 1
     * @return the rows, possibly fewer than {@code max}
     */
    List<LogRow> log(long afterSeq, int max);

    /**
     * Writes the whole input log as a trace ({@code docs/trace-format.md}): the store's config as the header, one
     * step per row, in order, each checked as it is read.
     *
     * @param out where the JSON Lines go (not closed)
     * @return the number of steps written
     * @throws IllegalStateException when the store was imported from a state file: its log starts from that state,
     *                               not from the empty state a trace starts from
     * @throws LogCorruptException   when a row cannot be used (the steps before it were written)
     * @throws IOException           when {@code out} fails
     */
    long writeTrace(Writer out) throws IOException;

    /** @return the store's time now, as the next transition would take it (no transition is made) */
    long now();

    /**
     * @return the time line's anchor to keep in an export: SQLite's boot-clock anchor, or {@code null} (none yet,
     * or PostgreSQL, whose time is the database's clock)
     */
    ClockAnchor clockAnchor();

    /** @return where the store is: the database file, or the server's URL without credentials or parameters */
    String location();
}

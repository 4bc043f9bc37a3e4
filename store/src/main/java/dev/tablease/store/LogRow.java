package dev.tablease.store;

/**
 * One row of the input log, as stored by {@link SqliteKernelStore} and {@link PostgresKernelStore} (the same
 * columns in both; see {@code docs/store.md}, "Schema").
 *
 * @param seq       the row's sequence number (1, 2, 3 …)
 * @param now       the input's {@code now}, ms on the store's time line
 * @param input     the input, in the trace format's JSON
 * @param decisions the decisions it gave, in the trace format's JSON
 */
public record LogRow(long seq, long now, String input, String decisions) {
}

package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.LogCorruptException.Problem;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;

import java.util.List;

/**
 * The checks of the input-log stores ({@link SqliteKernelStore}, {@link PostgresKernelStore}) on a stored row:
 * one place that applies a log row to a kernel (no gap, a valid input, its {@code now}, the same decisions on
 * replay) and restores a snapshot, each failure a {@link LogCorruptException} naming the row.
 */
final class LogReplay {

    /** Builds the store's exception for a bad row (the stores name their database differently). */
    interface Corrupt {
        /**
         * @param table   the table of the row
         * @param seq     the row's sequence number
         * @param problem the kind of problem
         * @param detail  what exactly is wrong
         * @param cause   the underlying failure, or {@code null}
         * @return the exception to throw
         */
        LogCorruptException at(String table, long seq, Problem problem, String detail, Throwable cause);
    }

    /** The config the kernels enforce. */
    private final KernelConfig config;
    /** The trace format's codec. */
    private final TraceCodec codec;
    /** The store's exception factory. */
    private final Corrupt corrupt;

    LogReplay(KernelConfig config, TraceCodec codec, Corrupt corrupt) {
        this.config = config;
        this.codec = codec;
        this.corrupt = corrupt;
    }

    /**
     * Applies one stored row to {@code k}, whose state is after row {@code at}.
     *
     * @return the row's input and its decisions (checked against the recorded ones)
     * @throws LogCorruptException naming the row
     */
    SharedLeaseKernel.Step apply(LeaseKernel k, long seq, long now, String input, String decisionsJson, long at) {
        if (seq != at + 1) {
            throw corrupt.at("tablease_log", at + 1, Problem.SEQUENCE_GAP, "the next row after " + at + " is " + seq, null);
        }
        Input in;
        try {
            in = codec.decodeInput(codec.parseObject(input));
        } catch (TraceFormatException | RuntimeException e) {
            throw corrupt.at("tablease_log", seq, Problem.MALFORMED_ROW, "input: " + e.getMessage(), e);
        }
        if (in.now() != now) {
            throw corrupt.at("tablease_log", seq, Problem.MALFORMED_ROW,
                    "column now is " + now + " but the input's now is " + in.now(), null);
        }
        List<Decision> decisions;
        try {
            decisions = k.apply(in);
        } catch (InvalidInputException e) {
            throw corrupt.at("tablease_log", seq, Problem.INCONSISTENT_STATE,
                    "the kernel refuses the input on replay: " + e.getMessage(), e);
        }
        String replayed = codec.toJson(decisions);
        if (!replayed.equals(decisionsJson)) {
            throw corrupt.at("tablease_log", seq, Problem.DECISIONS_DISAGREE,
                    "recorded " + abbreviate(decisionsJson) + ", replayed " + abbreviate(replayed), null);
        }
        return new SharedLeaseKernel.Step(List.of(in), decisions);
    }

    /**
     * @return a kernel in the state of the snapshot taken after row {@code at}
     * @throws LogCorruptException naming the snapshot
     */
    LeaseKernel restore(long at, String stateJson) {
        try {
            return LeaseKernel.restore(config, codec.decodeState(codec.parseObject(stateJson)));
        } catch (TraceFormatException e) {
            throw corrupt.at("tablease_snapshot", at, Problem.MALFORMED_ROW, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw corrupt.at("tablease_snapshot", at, Problem.INCONSISTENT_STATE, e.getMessage(), e);
        }
    }

    /** Reads the log in pages ({@link InputLogStore#log}). */
    interface Pages {
        /**
         * @param afterSeq the rows after this sequence number
         * @param max      at most this many rows
         * @return the rows, in order
         */
        List<LogRow> after(long afterSeq, int max);
    }

    /**
     * Writes the log as a trace: the config as the header, one step per row, each row checked as it is read (no
     * gap, a valid input, its decisions an array of valid decisions). The one trace writer of both stores.
     *
     * @param out   where the JSON Lines go (not closed)
     * @param pages the store's log
     * @return the number of steps written
     * @throws LogCorruptException naming the first bad row (the steps before it were written)
     * @throws java.io.IOException when {@code out} fails
     */
    long writeTrace(java.io.Writer out, Pages pages) throws java.io.IOException {
        dev.tablease.trace.TraceWriter trace = new dev.tablease.trace.TraceWriter(out, config, codec);
        long after = 0;
        while (true) {
            List<LogRow> rows = pages.after(after, 1_000);
            if (rows.isEmpty()) {
                break;
            }
            for (LogRow row : rows) {
                if (row.seq() != after + 1) {
                    throw corrupt.at("tablease_log", after + 1, Problem.SEQUENCE_GAP,
                            "the next row after " + after + " is " + row.seq(), null);
                }
                try {
                    Input in = codec.decodeInput(codec.parseObject(row.input()));
                    com.fasterxml.jackson.databind.JsonNode array = JSON.readTree(row.decisions());
                    if (array == null || !array.isArray()) {
                        throw corrupt.at("tablease_log", row.seq(), Problem.MALFORMED_ROW, "decisions are not a JSON array", null);
                    }
                    List<Decision> decisions = new java.util.ArrayList<>();
                    for (com.fasterxml.jackson.databind.JsonNode d : array) {
                        decisions.add(codec.decodeDecision(d));
                    }
                    trace.write(in, decisions);
                } catch (TraceFormatException e) {
                    throw corrupt.at("tablease_log", row.seq(), Problem.MALFORMED_ROW, e.getMessage(), e);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw corrupt.at("tablease_log", row.seq(), Problem.MALFORMED_ROW, "decisions are not a JSON array", e);
                }
                after = row.seq();
            }
        }
        trace.flush();
        return after;
    }

    /** Parses the decisions column ({@link #writeTrace}). */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}

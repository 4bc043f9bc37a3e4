package dev.tablease.model;

import java.nio.file.Path;

/**
 * A trace could not be validated against the spec, so there is no verdict: the trace is unreadable or
 * malformed, it uses what the spec does not model, or TLC could not run. (A trace that was validated and
 * does not conform is a {@link TraceVerdict} with {@link TraceVerdict#conforms()} false, not this.)
 */
public final class TraceValidationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why there is no verdict. */
    public enum Problem {
        /**
         * The trace cannot be read: an unreadable file, a malformed line or header, or an input the kernel
         * refuses as malformed (time going backwards).
         */
        MALFORMED,
        /**
         * The trace uses what the spec does not model: a request class other than {@code default}/{@code pro},
         * per-key cap overrides, an input other than {@code Tick} finding an overdue session, times or
         * durations beyond TLC's 32-bit numbers, or traces of different configs validated together.
         */
        OUTSIDE_MODEL,
        /** TLC could not be started, did not finish in time, or ended without a verdict (its output is quoted). */
        TLC_FAILED
    }

    private final Problem problem;
    private final transient Path trace;

    /**
     * @param problem why there is no verdict
     * @param trace   the trace concerned, or {@code null} when it concerns the whole batch (TLC)
     * @param message what went wrong
     * @param cause   the underlying exception, or {@code null}
     */
    public TraceValidationException(Problem problem, Path trace, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
        this.trace = trace;
    }

    /** @return why there is no verdict */
    public Problem problem() {
        return problem;
    }

    /** @return the trace concerned, or {@code null} when it concerns the whole batch */
    public Path trace() {
        return trace;
    }
}

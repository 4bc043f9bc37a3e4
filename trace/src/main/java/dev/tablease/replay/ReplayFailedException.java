package dev.tablease.replay;

/**
 * A well-formed trace whose replay went wrong at one step: an invariant broke, or the kernel's decisions
 * differ from the recorded ones. The message is {@code "line N: reason"}.
 */
public final class ReplayFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** An invariant check reported a violation after the step. */
        INVARIANT_VIOLATED,
        /** The kernel decided something other than the decisions recorded for the step. */
        DECISIONS_DIFFER
    }

    /** The 1-based line of the step. */
    private final int line;
    /** What went wrong. */
    private final Kind kind;
    /** The reason, without the line number. */
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param line   the 1-based line of the step
     * @param kind   what went wrong
     * @param reason the explanation, without the line number
     */
    public ReplayFailedException(int line, Kind kind, String reason) {
        super("line " + line + ": " + reason);
        this.line = line;
        this.kind = kind;
        this.reason = reason;
    }

    /** @return the 1-based line of the step */
    public int line() {
        return line;
    }

    /** @return what went wrong */
    public Kind kind() {
        return kind;
    }

    /** @return the reason, without the line number */
    public String reason() {
        return reason;
    }
}

package dev.tablease.trace;

/**
 * A trace that cannot be read: says which line (1-based; 0 when no line applies, e.g. an unreadable
 * file), what kind of problem ({@link TraceError}) and why. The message is {@code "line N: reason"}.
 */
public final class TraceFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The 1-based line number, 0 when not applicable. */
    private final int line;
    /** The kind of problem. */
    private final TraceError error;
    /** The reason, without the line number. */
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param line   the 1-based line number, 0 when no line applies
     * @param error  the kind of problem
     * @param reason why, without the line number
     */
    public TraceFormatException(int line, TraceError error, String reason) {
        super((line > 0 ? "line " + line + ": " : "") + reason);
        this.line = line;
        this.error = error;
        this.reason = reason;
    }

    /**
     * Locates the problem on a line.
     *
     * @param lineNumber the 1-based line number
     * @return the same problem, located on {@code lineNumber}
     */
    public TraceFormatException atLine(int lineNumber) {
        TraceFormatException located = new TraceFormatException(lineNumber, error, reason);
        located.initCause(getCause());
        return located;
    }

    /**
     * Says where in the line the problem is.
     *
     * @param where the place, e.g. {@code "input"} or {@code "decisions[1]"}
     * @return the same problem, its reason prefixed with {@code where}
     */
    public TraceFormatException within(String where) {
        TraceFormatException located = new TraceFormatException(line, error, where + ": " + reason);
        located.initCause(getCause());
        return located;
    }

    /** @return the 1-based line number, 0 when unknown or not applicable */
    public int line() {
        return line;
    }

    /** @return the kind of problem */
    public TraceError error() {
        return error;
    }

    /** @return the reason, without the line number */
    public String reason() {
        return reason;
    }
}

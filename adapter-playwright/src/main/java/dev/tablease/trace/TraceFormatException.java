package dev.tablease.trace;

/**
 * A trace that cannot be read: says which line (1-based; 0 when no line applies, e.g. an unreadable
 * file), what kind of problem ({@link TraceError}) and why. The message is {@code "line N: reason"}.
 */
public final class TraceFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final TraceError error;
    private final String reason;

    public TraceFormatException(int line, TraceError error, String reason) {
        super((line > 0 ? "line " + line + ": " : "") + reason);
        this.line = line;
        this.error = error;
        this.reason = reason;
    }

    /** @return the same problem, located on {@code lineNumber} */
    public TraceFormatException atLine(int lineNumber) {
        TraceFormatException located = new TraceFormatException(lineNumber, error, reason);
        located.initCause(getCause());
        return located;
    }

    /** @return the same problem, its reason prefixed with where in the line it is (e.g. {@code "input"}) */
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

package dev.tablease.kernel;

/**
 * A malformed input: refused before it touches the state, which stays exactly as it was.
 * Inputs that are well formed but name something unknown or stale are not exceptions: they yield a
 * {@link Decision.Refused}.
 */
public final class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the input. */
    public enum Problem {
        /** The input itself, or one of its fields, is {@code null}. */
        NULL_FIELD,
        /** An id, key, holder or URL is empty or blank. */
        BLANK_FIELD,
        /** A time or id is negative (or zero where it must be positive). */
        NEGATIVE_VALUE,
        /** {@code now} is smaller than the largest {@code now} the kernel has seen. */
        TIME_WENT_BACKWARDS,
        /** The request class is not in the configured table. */
        UNKNOWN_REQUEST_CLASS
    }

    /** What is wrong with the input. */
    private final Problem problem;

    /**
     * Creates the exception.
     *
     * @param problem what is wrong with the input
     * @param message which field, and why
     */
    public InvalidInputException(Problem problem, String message) {
        super(problem + ": " + message);
        this.problem = problem;
    }

    /** @return what is wrong with the input */
    public Problem problem() {
        return problem;
    }
}

package dev.tablease.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A JSON state file (the export/import format, {@link StateFile}) is missing, truncated, not JSON, not a
 * tablease state file, of an unknown version, or holds a state the kernel refuses. The file is left exactly as
 * it is, and nothing is made from it. See {@code docs/store.md} ("Export, import and migration").
 */
public final class StoreCorruptException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the file. */
    public enum Problem {
        /** The state file does not exist. */
        MISSING,
        /** The file is empty or ends in the middle of the JSON document. */
        TRUNCATED,
        /** The file is not one JSON object (bad syntax, bad UTF-8, trailing text, duplicate keys, ...). */
        MALFORMED_JSON,
        /** A JSON object, but its {@code "format"} is not {@code "tablease-state"}: some other file. */
        WRONG_FORMAT,
        /** A tablease state file of a {@code "version"} this code does not read. */
        UNSUPPORTED_VERSION,
        /** The right format and version, but a field is missing, unknown or has a wrong value (including an impossible config). */
        INVALID_CONTENT,
        /** Well-formed, but the kernel refuses the state: it breaks an invariant ({@code LeaseKernel.restore}). */
        INCONSISTENT_STATE
    }

    /** The kind of problem. */
    private final Problem problem;
    /** What exactly is wrong. */
    private final String detail;

    /**
     * Creates the exception.
     *
     * @param file    the file that cannot be read
     * @param problem the kind of problem
     * @param detail  what exactly is wrong
     * @param cause   the underlying failure, or {@code null}
     */
    public StoreCorruptException(Path file, Problem problem, String detail, Throwable cause) {
        super(file, file + ": " + problem + ": " + detail + " (the file is kept as it is; see docs/store.md, "
                + "Export, import and migration)", cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** @return the kind of problem */
    public Problem problem() {
        return problem;
    }

    /** @return what exactly is wrong, without the file name */
    public String detail() {
        return detail;
    }
}

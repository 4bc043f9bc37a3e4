package dev.tablease.trace;

/** What is wrong with a trace line; see {@code docs/trace-format.md}. */
public enum TraceError {
    /** The trace file cannot be opened or read. */
    UNREADABLE,
    /** The line is not one JSON object (syntax error, blank line, trailing text, duplicate key). */
    MALFORMED_JSON,
    /** Line 1 is missing, or is not a header of this format and version. */
    BAD_HEADER,
    /** The header's {@code config} is refused by {@code KernelConfig} (an impossible setting). */
    INVALID_CONFIG,
    /** An input or decision names a {@code type} that does not exist. */
    UNKNOWN_TYPE,
    /** A required field is absent. */
    MISSING_FIELD,
    /** A field that the schema does not have. */
    UNKNOWN_FIELD,
    /**
     * A field has the wrong JSON type or an impossible value: an unknown enum constant, a value the
     * kernel's input constructors refuse, a {@code seq} out of order, or an input the kernel refuses as
     * malformed when it is applied (for example time going backwards).
     */
    INVALID_VALUE
}

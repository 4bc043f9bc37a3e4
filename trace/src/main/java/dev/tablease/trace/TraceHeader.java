package dev.tablease.trace;

import dev.tablease.kernel.KernelConfig;

/**
 * Line 1 of a trace: {@code {"format":"tablease-trace","version":2,"config":{...}}}. The config is the
 * one the trace was recorded under; a replay builds its kernel from it.
 *
 * @param format  always {@link #FORMAT}
 * @param version the schema version, {@link #VERSION} for this code
 * @param config  the kernel configuration
 */
public record TraceHeader(String format, int version, KernelConfig config) {

    /** The value of {@code format}. */
    public static final String FORMAT = "tablease-trace";

    /** The schema version this code writes; any change to the schema bumps it. */
    public static final int VERSION = 2;

    /**
     * The oldest version this code still reads. Version 1 lacks only the {@code ReservationMoved} decision
     * (added with version 2), so every version-1 trace is a valid version-2 trace.
     */
    public static final int OLDEST_READABLE_VERSION = 1;

    /**
     * The header of a trace in the current format.
     *
     * @param config the kernel configuration of the run
     * @return the header of a trace recorded under {@code config} in the current format
     */
    public static TraceHeader of(KernelConfig config) {
        return new TraceHeader(FORMAT, VERSION, config);
    }
}

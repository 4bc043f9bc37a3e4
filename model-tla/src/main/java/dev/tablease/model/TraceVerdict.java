package dev.tablease.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The result of validating traces against {@code TabLease.tla} ({@link TraceValidator}).
 *
 * <p>A trace conforms when the kernel, replaying its inputs, makes exactly the decisions it recorded, and TLC
 * walks the spec along it: for every step, the spec's action for that input, with the recorded parameters,
 * leads to exactly the kernel's state after the step (docs/conformance.md).
 *
 * @param traces         the trace files, in the order given
 * @param conforms       whether every trace conforms
 * @param steps          the steps of all the traces
 * @param distinctStates the distinct states TLC found ({@code 0} when TLC did not run: a replay mismatch)
 * @param expectedStates the distinct states of conforming traces: steps + pieces (one state per step, plus
 *                       each piece's initial state)
 * @param pieces         the pieces TLC walked: one per trace, more when a trace is longer than one TLC run
 *                       takes (2,500 steps; a later piece starts in the kernel's state where the previous
 *                       one ended)
 * @param tlcRuns        how many TLC runs (forked JVMs, one after the other) it took; 0 when TLC did not run
 * @param tlcTime        the wall-clock time of the forked TLC JVMs, start-up included ({@link Duration#ZERO} when
 *                       TLC did not run)
 * @param mismatch       where the first non-conforming trace leaves the kernel or the spec; {@code null} when
 *                       every trace conforms
 * @param filesKept      the directory holding TraceBatch.tla/.cfg and TLC's output ({@code tlc-output.txt}), or
 *                       {@code null} when they were deleted
 */
public record TraceVerdict(List<Path> traces, boolean conforms, long steps, long distinctStates, long expectedStates,
                           int pieces, int tlcRuns, Duration tlcTime, Mismatch mismatch, Path filesKept) {

    /**
     * Copies the list.
     *
     * @param traces         the trace files
     * @param conforms       whether every trace conforms
     * @param steps          the steps of all the traces
     * @param distinctStates the distinct states TLC found
     * @param expectedStates the distinct states of conforming traces
     * @param pieces         the pieces TLC walked
     * @param tlcRuns        how many TLC runs it took
     * @param tlcTime        the wall-clock time of the forked TLC JVMs
     * @param mismatch       the first mismatch, or {@code null}
     * @param filesKept      the directory of the kept files, or {@code null}
     */
    public TraceVerdict {
        traces = List.copyOf(traces);
    }

    /** Which check a trace failed. */
    public enum Stage {
        /** The kernel, replaying the trace's inputs, decides otherwise than the trace recorded. */
        RECORDED_DECISIONS,
        /** No step of the spec takes the recorded input to the kernel's state after it (TLC: a deadlock). */
        SPEC
    }

    /**
     * The first step at which a trace does not conform.
     *
     * @param trace  the trace file
     * @param step   the step (1-based: the trace's {@code seq}, on line {@code step + 1})
     * @param stage  which check failed
     * @param input  the step's input, as the kernel prints it
     * @param detail what differs: the kernel's and the recorded decisions, or the kernel's state after the step
     */
    public record Mismatch(Path trace, long step, Stage stage, String input, String detail) {
    }

    /** @return one line: what conforms (steps, distinct states, TLC's time), or the first mismatch */
    public String describe() {
        if (conforms) {
            String split = pieces > traces.size() ? " in " + pieces + " pieces" : "";
            return String.format(Locale.ROOT, "conforms to TabLease.tla: %d trace%s, %d steps%s, %d distinct states, TLC %.1f s%s",
                    traces.size(), traces.size() == 1 ? "" : "s", steps, split, distinctStates, tlcTime.toMillis() / 1000.0,
                    tlcRuns > 1 ? " (" + tlcRuns + " runs)" : "");
        }
        String where = mismatch.trace() + " step " + mismatch.step() + " (line " + (mismatch.step() + 1) + "): " + mismatch.input();
        return mismatch.stage() == Stage.SPEC
                ? "DOES NOT CONFORM: " + where + ": no step of TabLease.tla takes this input to the kernel's state "
                        + mismatch.detail()
                : "DOES NOT CONFORM: " + where + ": " + mismatch.detail();
    }
}

package dev.tablease.trace;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;

import java.util.List;

/**
 * One step of a trace (every line after the header): the input applied and, when recorded, the
 * decisions the kernel made. {@code seq} counts the steps from 1, so step {@code seq} is on line
 * {@code seq + 1}.
 *
 * @param seq       1, 2, 3 ... in file order
 * @param input     the input applied
 * @param decisions the decisions, in order; {@code null} when the trace does not record them
 *                  (a hand-written trace may give inputs only)
 */
public record TraceStep(long seq, Input input,
                        @JsonInclude(JsonInclude.Include.NON_NULL) List<Decision> decisions) {

    /**
     * Copies the list of decisions.
     *
     * @param seq       1, 2, 3 ... in file order
     * @param input     the input applied
     * @param decisions the decisions, in order; {@code null} when the trace does not record them
     */
    public TraceStep {
        decisions = decisions == null ? null : List.copyOf(decisions);
    }

    /** @return whether this step records the kernel's decisions (to be checked by a replay) */
    public boolean recordsDecisions() {
        return decisions != null;
    }
}

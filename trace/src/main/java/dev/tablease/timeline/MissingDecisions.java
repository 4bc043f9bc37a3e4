package dev.tablease.timeline;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.trace.TraceError;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceHeader;
import dev.tablease.trace.TraceStep;

import java.util.ArrayList;
import java.util.List;

/**
 * Fills in the decisions of a trace that does not record them (a hand-written trace may give inputs
 * only) by applying its inputs to a {@link LeaseKernel} built from the header's config. Steps that
 * record their decisions keep them: the timeline draws what the trace says happened.
 */
final class MissingDecisions {

    private MissingDecisions() {
    }

    static List<TraceStep> fill(TraceHeader header, List<TraceStep> steps) throws TraceFormatException {
        if (steps.stream().allMatch(TraceStep::recordsDecisions)) {
            return steps;
        }
        LeaseKernel kernel = new LeaseKernel(header.config());
        List<TraceStep> filled = new ArrayList<>(steps.size());
        for (TraceStep step : steps) {
            List<Decision> decided;
            try {
                decided = kernel.apply(step.input());
            } catch (InvalidInputException e) {
                TraceFormatException error = new TraceFormatException((int) step.seq() + 1, TraceError.INVALID_VALUE,
                        "input: " + step.input().name() + ": refused by the kernel: " + e.getMessage());
                error.initCause(e);
                throw error;
            }
            filled.add(step.recordsDecisions() ? step : new TraceStep(step.seq(), step.input(), decided));
        }
        return filled;
    }
}

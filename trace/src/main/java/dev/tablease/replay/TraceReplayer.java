package dev.tablease.replay;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker.Violation;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceError;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replays a trace on a fresh {@link LeaseKernel} built from the trace's header: applies each input,
 * runs the invariant checks (state invariants and {@code FencedWrites} after every step,
 * {@code NothingOverdue} after every {@code Tick}), and, when the step records decisions, checks that
 * the kernel decided exactly those. Streaming: each replayed step goes to a {@link StepListener} as soon
 * as it is applied, before it is checked.
 */
public final class TraceReplayer {

    /** Receives every replayed step: the input and the decisions the kernel made for it. */
    @FunctionalInterface
    public interface StepListener {
        /**
         * Receives one replayed step, before it is checked.
         *
         * @param replayed the step's input with the decisions the kernel made for it
         * @throws IOException when the listener cannot write the step
         */
        void step(TraceStep replayed) throws IOException;
    }

    private final InvariantChecks checks;
    private final TraceCodec codec = new TraceCodec();

    /** A replayer that runs the kernel's own invariant checks. */
    public TraceReplayer() {
        this(InvariantChecks.KERNEL);
    }

    /**
     * A replayer that runs the given checks (tests pass broken ones to see a replay fail).
     *
     * @param checks the invariant checks to run after every step
     */
    public TraceReplayer(InvariantChecks checks) {
        this.checks = checks;
    }

    /**
     * Replays every step of {@code trace}.
     *
     * @param trace    the trace, its header already read
     * @param listener receives every replayed step
     * @return what was replayed and checked
     * @throws TraceFormatException  a malformed line, or an input the kernel refuses as malformed (for example
     *                               time going backwards); the trace is at fault
     * @throws ReplayFailedException an invariant broke or the decisions differ from the recorded ones
     * @throws IOException           the listener could not write
     */
    public ReplaySummary replay(TraceReader trace, StepListener listener)
            throws TraceFormatException, ReplayFailedException, IOException {
        KernelConfig config = trace.header().config();
        LeaseKernel kernel = new LeaseKernel(config);
        long steps = 0;
        long decisions = 0;
        long tickChecks = 0;
        long compared = 0;
        for (Optional<TraceStep> next = trace.next(); next.isPresent(); next = trace.next()) {
            TraceStep step = next.get();
            int line = trace.lineNumber();
            Input input = step.input();
            KernelState before = kernel.snapshot();
            List<Decision> decided;
            try {
                decided = kernel.apply(input);
            } catch (InvalidInputException e) {
                TraceFormatException error = new TraceFormatException(line, TraceError.INVALID_VALUE,
                        "input: " + input.name() + ": refused by the kernel: " + e.getMessage());
                error.initCause(e);
                throw error;
            }
            KernelState after = kernel.snapshot();
            steps++;
            decisions += decided.size();
            listener.step(new TraceStep(step.seq(), input, decided));

            List<Violation> violations = new ArrayList<>(checks.check(config, after));
            violations.addAll(checks.checkStep(before, input, decided, after));
            if (input instanceof Input.Tick) {
                violations.addAll(checks.checkAfterTick(after, input.now()));
                tickChecks++;
            }
            if (!violations.isEmpty()) {
                throw new ReplayFailedException(line, ReplayFailedException.Kind.INVARIANT_VIOLATED,
                        "invariant violated after " + input.name() + ": " + violations);
            }
            if (step.recordsDecisions()) {
                if (!step.decisions().equals(decided)) {
                    throw new ReplayFailedException(line, ReplayFailedException.Kind.DECISIONS_DIFFER,
                            mismatch(step.decisions(), decided));
                }
                compared++;
            }
        }
        return new ReplaySummary(steps, decisions, steps, steps, tickChecks, compared);
    }

    /** @return where the recorded and decided lists first differ, as JSON */
    private String mismatch(List<Decision> recorded, List<Decision> decided) {
        int i = 0;
        while (i < recorded.size() && i < decided.size() && recorded.get(i).equals(decided.get(i))) {
            i++;
        }
        String counts = "recorded " + recorded.size() + " decisions, the kernel decided " + decided.size();
        if (i < recorded.size() && i < decided.size()) {
            return "decisions differ from the recorded ones at decisions[" + i + "]: recorded "
                    + codec.toJson(recorded.get(i)) + ", the kernel decided " + codec.toJson(decided.get(i))
                    + " (" + counts + ")";
        }
        if (i < recorded.size()) {
            return "decisions differ from the recorded ones: " + counts + "; missing decisions[" + i + "] "
                    + codec.toJson(recorded.get(i));
        }
        return "decisions differ from the recorded ones: " + counts + "; unexpected decisions[" + i + "] "
                + codec.toJson(decided.get(i));
    }
}

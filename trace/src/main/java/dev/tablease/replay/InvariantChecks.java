package dev.tablease.replay;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.InvariantChecker.Violation;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;

import java.util.List;

/**
 * The checks a replay runs, one method per kind of check of {@link InvariantChecker}. {@link #KERNEL}
 * delegates to the kernel's checker; tests substitute a stub to prove that violations are reported.
 */
public interface InvariantChecks {

    /** The kernel's own {@link InvariantChecker}. */
    InvariantChecks KERNEL = new InvariantChecks() {
    };

    /**
     * State invariants, run after every step; see {@link InvariantChecker#check}.
     *
     * @param config the trace's configuration
     * @param state  the state after the step
     * @return the violations; empty when all hold
     */
    default List<Violation> check(KernelConfig config, KernelState state) {
        return InvariantChecker.check(config, state);
    }

    /**
     * The {@code FencedWrites} step property, run after every step; see {@link InvariantChecker#checkStep}.
     *
     * @param before    the state before the step
     * @param input     the input applied
     * @param decisions the decisions the kernel made for it
     * @param after     the state after the step
     * @return the violations; empty when the step respects the property
     */
    default List<Violation> checkStep(KernelState before, Input input, List<Decision> decisions, KernelState after) {
        return InvariantChecker.checkStep(before, input, decisions, after);
    }

    /**
     * {@code NothingOverdue}, run after every {@code Tick}; see {@link InvariantChecker#checkAfterTick}.
     *
     * @param state the state after the tick
     * @param now   the tick's time, in milliseconds
     * @return the violations; empty when nothing is overdue
     */
    default List<Violation> checkAfterTick(KernelState state, long now) {
        return InvariantChecker.checkAfterTick(state, now);
    }
}

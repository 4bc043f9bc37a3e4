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

    /** State invariants, run after every step; see {@link InvariantChecker#check}. */
    default List<Violation> check(KernelConfig config, KernelState state) {
        return InvariantChecker.check(config, state);
    }

    /** The {@code FencedWrites} step property, run after every step; see {@link InvariantChecker#checkStep}. */
    default List<Violation> checkStep(KernelState before, Input input, List<Decision> decisions, KernelState after) {
        return InvariantChecker.checkStep(before, input, decisions, after);
    }

    /** {@code NothingOverdue}, run after every {@code Tick}; see {@link InvariantChecker#checkAfterTick}. */
    default List<Violation> checkAfterTick(KernelState state, long now) {
        return InvariantChecker.checkAfterTick(state, now);
    }
}

package dev.tablease.stress;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.SharedLeaseKernel;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Lincheck, stress: real threads hammer the real {@link SharedLeaseKernel} over the small domains of
 * {@link LeaseOperations}; every execution is linearizable with respect to the pure kernel
 * ({@link KernelSequentialSpecification}) and leaves a state where every invariant holds.
 */
public class RealFacadeIsLinearizableUnderStressTest extends LeaseOperations {
    private final LeaseFacade facade = Facades.REAL.create(CONFIG);

    public RealFacadeIsLinearizableUnderStressTest() {
        setUp();
    }

    @Override
    protected SharedLeaseKernel.Step step(Input input) {
        return facade.apply(input);
    }

    /** Runs after every execution (in stress mode only: under model checking it would cost more than the run). */
    @Validate
    public void invariantsHold() {
        List<InvariantChecker.Violation> v = InvariantChecker.check(CONFIG, facade.snapshot());
        if (!v.isEmpty()) {
            throw new IllegalStateException("invariants broken: " + v);
        }
    }

    @Test
    void everyStressedExecutionIsLinearizable() {
        LincheckBudget.stress(getClass()).check(getClass());
    }
}

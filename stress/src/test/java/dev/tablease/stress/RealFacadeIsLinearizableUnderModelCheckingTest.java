package dev.tablease.stress;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import org.junit.jupiter.api.Test;

/**
 * Lincheck, model checking: every interleaving Lincheck explores of concurrent calls on the real
 * {@link SharedLeaseKernel} over the small domains of {@link LeaseOperations} has results that some
 * sequential order of the pure kernel ({@link KernelSequentialSpecification}) also gives.
 */
public class RealFacadeIsLinearizableUnderModelCheckingTest extends LeaseOperations {
    private final LeaseFacade facade = Facades.REAL.create(CONFIG);

    public RealFacadeIsLinearizableUnderModelCheckingTest() {
        setUp();
    }

    @Override
    protected SharedLeaseKernel.Step step(Input input) {
        return facade.apply(input);
    }

    @Test
    void everyExploredInterleavingIsLinearizable() {
        LincheckBudget.modelChecking(getClass()).check(getClass());
    }
}

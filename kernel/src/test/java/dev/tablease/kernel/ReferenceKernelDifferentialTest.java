package dev.tablease.kernel;

import dev.tablease.kernel.reference.ReferenceKernel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimised {@link LeaseKernel} decides exactly as the {@link ReferenceKernel} (the rules written the
 * straightforward way): on the stateful property test's generated sequences (same generator, same
 * invariant, liveness and restore checks), every step must give equal decisions, an equal state and an
 * equal {@code nextDueAt}, or the same typed error. {@code -Ddiff.examples=N} runs more sequences.
 */
class ReferenceKernelDifferentialTest {

    private static final KernelConfig CONFIG = StatefulKernelModel.CONFIG;

    @Test
    void optimisedKernelDecidesExactlyAsTheReference() {
        KernelStatefulPropertyTest.run(pairs(ReferenceKernel::new), CONFIG,
                Integer.getInteger("diff.examples", 2_000), null, 50, new StatefulKernelModel.Coverage());
    }

    @Test
    void aReferenceThatDiffersInOneRuleIsCaught() {
        AssertionError e = assertThrows(AssertionError.class, () -> KernelStatefulPropertyTest.run(
                pairs(ReferenceKernel::skippingResets), CONFIG, 500, 42L, 20, new StatefulKernelModel.Coverage()));
        assertTrue(e.getMessage().contains("decisions differ"), e::getMessage);
        assertTrue(e.getMessage().contains("ResetTab"), e::getMessage);
    }

    /** Systems under test that apply every input to the kernel and to a reference, and compare. */
    private static StatefulKernelModel.SutFactory pairs(Function<KernelConfig, ReferenceKernel> reference) {
        return new StatefulKernelModel.SutFactory() {
            @Override
            public StatefulKernelModel.Sut fresh() {
                return new Pair(new LeaseKernel(CONFIG), reference.apply(CONFIG));
            }

            @Override
            public StatefulKernelModel.Sut restored(KernelState state) {
                return new Pair(LeaseKernel.restore(CONFIG, state), ReferenceKernel.restore(CONFIG, state));
            }
        };
    }

    private record Pair(LeaseKernel kernel, ReferenceKernel reference) implements StatefulKernelModel.Sut {
        @Override
        public List<Decision> apply(Input input) {
            RuntimeException kernelError = null;
            RuntimeException referenceError = null;
            List<Decision> decided = null;
            List<Decision> expected = null;
            try {
                decided = kernel.apply(input);
            } catch (RuntimeException e) {
                kernelError = e;
            }
            try {
                expected = reference.apply(input);
            } catch (RuntimeException e) {
                referenceError = e;
            }
            if (kernelError != null || referenceError != null) {
                if (kernelError == null || referenceError == null || !kernelError.getClass().equals(referenceError.getClass())) {
                    throw new AssertionError("errors differ on " + input + ": kernel " + kernelError
                            + ", reference " + referenceError);
                }
                throw kernelError;
            }
            if (!decided.equals(expected)) {
                throw new AssertionError("decisions differ on " + input + "\n  kernel    " + decided
                        + "\n  reference " + expected);
            }
            if (!kernel.snapshot().equals(reference.snapshot())) {
                throw new AssertionError("states differ after " + input + "\n  kernel    " + kernel.snapshot()
                        + "\n  reference " + reference.snapshot());
            }
            if (kernel.nextDueAt() != reference.nextDueAt()) {
                throw new AssertionError("nextDueAt differs after " + input + ": kernel " + kernel.nextDueAt()
                        + ", reference " + reference.nextDueAt());
            }
            return decided;
        }

        @Override
        public KernelState snapshot() {
            return kernel.snapshot();
        }
    }
}

package dev.tablease.stress;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;

/**
 * What the stress tools drive: the shape of {@link SharedLeaseKernel}. The jcstress tests, the Lincheck
 * tests and the soak are written against this interface so that the very same test code runs on the
 * real facade ({@link Facades#REAL}) and on deliberately broken ones ({@code dev.tablease.stress.broken}),
 * which the tools must catch.
 */
public interface LeaseFacade {

    /** Applies {@code input} (after a {@code Tick} at the same {@code now} when something is due). */
    SharedLeaseKernel.Step apply(Input input);

    /** @return a snapshot of the whole state */
    KernelState snapshot();

    /** @return the configuration enforced */
    KernelConfig config();
}

package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The kernel's state in this process's memory: one {@link SharedLeaseKernel}, its lock shared with the
 * clock read so that {@code now} never goes backwards between transitions, and with each step's
 * {@code inLogOrder} (see {@link KernelStore#apply(LongFunction, Consumer)}). Lost when the process ends.
 */
public final class InMemoryKernelStore implements KernelStore {

    private final SharedLeaseKernel kernel;
    private final MillisClock clock;

    /**
     * A store with an empty state.
     *
     * @param config the kernel configuration
     * @param clock  where {@code now} comes from
     */
    public InMemoryKernelStore(KernelConfig config, MillisClock clock) {
        this.kernel = new SharedLeaseKernel(new LeaseKernel(Objects.requireNonNull(config, "config")));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(inLogOrder, "inLogOrder");
        synchronized (kernel) {
            long now = Math.max(clock.millis(), kernel.lastNow());
            SharedLeaseKernel.Step step = kernel.apply(input.apply(now));
            inLogOrder.accept(step);
            return step;
        }
    }

    @Override
    public KernelState snapshot() {
        synchronized (kernel) { // not between a step and its inLogOrder
            return kernel.snapshot();
        }
    }

    @Override
    public KernelConfig config() {
        return kernel.config();
    }

    /** @return {@code true}: the state lives in this process's memory */
    @Override
    public boolean processLocal() {
        return true;
    }

    @Override
    public void close() {
        // nothing to release
    }
}

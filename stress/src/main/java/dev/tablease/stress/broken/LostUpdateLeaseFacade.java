package dev.tablease.stress.broken;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.stress.LeaseFacade;

import java.util.ArrayList;
import java.util.List;

/**
 * <b>Deliberately broken</b>, for the stress tools to catch: a check-then-act split. Each call reads the
 * current state under the lock, releases it, computes the step on a private copy of the kernel, and then
 * takes the lock again to publish the new state. Every lock hold is short and every state it publishes is
 * valid on its own, yet two concurrent calls both decide from the same old state and the later write
 * wins: the classic lost update (the seed's defect 2 pattern: a decision and its write under different
 * lock holds). Never use it outside the stress tests.
 */
public final class LostUpdateLeaseFacade implements LeaseFacade {
    private final KernelConfig config;
    private final Object lock = new Object();
    private KernelState state = KernelState.initial();

    public LostUpdateLeaseFacade(KernelConfig config) {
        this.config = config;
    }

    @Override
    public SharedLeaseKernel.Step apply(Input input) {
        KernelState read;
        synchronized (lock) {
            read = state;                                   // check ...
        }
        LeaseKernel kernel = LeaseKernel.restore(config, read);
        List<Input> inputs = new ArrayList<>(2);
        List<Decision> decisions = new ArrayList<>();
        if (!(input instanceof Input.Tick) && input.now() >= kernel.nextDueAt() && input.now() >= kernel.lastNow()) {
            Input tick = new Input.Tick(input.now());
            decisions.addAll(kernel.apply(tick));
            inputs.add(tick);
        }
        decisions.addAll(kernel.apply(input));
        inputs.add(input);
        KernelState written = kernel.snapshot();
        synchronized (lock) {
            state = written;                                // ... then act, on a stale decision
        }
        return new SharedLeaseKernel.Step(inputs, decisions);
    }

    @Override
    public KernelState snapshot() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public KernelConfig config() {
        return config;
    }
}

package dev.tablease.stress.broken;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.stress.LeaseFacade;

import java.util.ArrayList;
import java.util.List;

/**
 * <b>Deliberately broken</b>, for the stress tools to catch: {@link SharedLeaseKernel}'s logic (tick when
 * due, then apply) with the lock removed. Two threads run inside the (not thread-safe) kernel at once.
 * Never use it outside the stress tests.
 */
public final class UnlockedLeaseFacade implements LeaseFacade {
    private final LeaseKernel kernel;

    public UnlockedLeaseFacade(KernelConfig config) {
        this.kernel = new LeaseKernel(config);
    }

    @Override
    public SharedLeaseKernel.Step apply(Input input) {
        List<Input> inputs = new ArrayList<>(2);
        List<dev.tablease.kernel.Decision> decisions = new ArrayList<>();
        if (!(input instanceof Input.Tick) && input.now() >= kernel.nextDueAt() && input.now() >= kernel.lastNow()) {
            Input tick = new Input.Tick(input.now());
            decisions.addAll(kernel.apply(tick));
            inputs.add(tick);
        }
        decisions.addAll(kernel.apply(input));
        inputs.add(input);
        return new SharedLeaseKernel.Step(inputs, decisions);
    }

    @Override
    public KernelState snapshot() {
        return kernel.snapshot();
    }

    @Override
    public KernelConfig config() {
        return kernel.config();
    }
}

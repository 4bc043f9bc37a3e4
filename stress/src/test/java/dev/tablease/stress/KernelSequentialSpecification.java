package dev.tablease.stress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The sequential specification for Lincheck: the pure {@link LeaseKernel}, one input at a time, with the
 * facade's documented freshness rule written out (before an input other than {@code Tick} whose
 * {@code now} has reached {@link LeaseKernel#nextDueAt()}, and is not behind the clock, apply
 * {@code Tick(now)} first; both steps' decisions, the tick's first).
 */
public class KernelSequentialSpecification extends LeaseOperations {
    private final LeaseKernel kernel = new LeaseKernel(CONFIG);

    public KernelSequentialSpecification() {
        setUp();
    }

    @Override
    protected SharedLeaseKernel.Step step(Input input) {
        List<Input> inputs = new ArrayList<>(2);
        List<Decision> decisions = new ArrayList<>();
        if (!(input instanceof Input.Tick) && input.now() >= kernel.nextDueAt() && input.now() >= kernel.lastNow()) {
            Input tick = new Input.Tick(input.now());
            decisions.addAll(kernel.apply(tick));
            inputs.add(tick);
        }
        decisions.addAll(kernel.apply(input));
        inputs.add(input);
        return new SharedLeaseKernel.Step(inputs, decisions);
    }
}

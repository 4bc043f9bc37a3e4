package dev.tablease.serve.internal;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.trace.TraceStep;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The service's store, observed: every transition of the service's broker is timed and its decisions counted
 * ({@link ServiceMetrics}), and its steps are kept for the live timeline ({@code GET /v1/timeline}), the first
 * {@code maxSteps} of them since the service started (a bound on memory: past it the page says that it stopped
 * recording, and the store's own log, for SQLite or PostgreSQL, still has everything). It changes nothing: every
 * call is the delegate's.
 *
 * <p>A step that applied a {@code Tick} first is kept as two trace steps with the same {@code now}: the tick with
 * no decision, then the input with all of the step's decisions (the kernel does not say which of them the tick
 * made). The timeline draws by time, so the picture is the same.
 */
final class ObservedStore extends ForwardingKernelStore {

    /** Where the counts and timings go. */
    private final ServiceMetrics metrics;
    /** The most steps kept for the timeline. */
    private final int maxSteps;
    /** The steps kept, in order (guarded by itself). */
    private final List<TraceStep> steps = new ArrayList<>();
    /** Steps not kept because {@link #maxSteps} was reached (guarded by {@link #steps}). */
    private long dropped;

    ObservedStore(KernelStore delegate, ServiceMetrics metrics, int maxSteps) {
        super(delegate);
        this.metrics = metrics;
        this.maxSteps = maxSteps;
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        long t0 = System.nanoTime();
        SharedLeaseKernel.Step step = delegate.apply(input, s -> {
            keep(s); // in log order: the timeline's step numbers follow the log
            inLogOrder.accept(s);
        });
        metrics.transition(System.nanoTime() - t0, step.decisions());
        return step;
    }

    private void keep(SharedLeaseKernel.Step step) {
        List<Input> inputs = step.inputs();
        synchronized (steps) {
            if (steps.size() + inputs.size() > maxSteps) {
                dropped += inputs.size();
                return;
            }
            for (int i = 0; i < inputs.size(); i++) {
                List<Decision> ds = i == inputs.size() - 1 ? step.decisions() : List.of();
                steps.add(new TraceStep(steps.size() + 1, inputs.get(i), ds));
            }
        }
    }

    /**
     * The recorded steps.
     *
     * @param steps   a copy of the steps kept, in order
     * @param dropped how many were not kept (the bound was reached)
     */
    record Recorded(List<TraceStep> steps, long dropped) {
    }

    /** @return a copy of the steps kept, and how many were dropped */
    Recorded recorded() {
        synchronized (steps) {
            return new Recorded(List.copyOf(steps), dropped);
        }
    }
}

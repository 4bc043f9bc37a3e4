package dev.tablease.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A thread-safe, linearizable facade over one {@link LeaseKernel}: every call runs under one lock, so
 * calls take effect one at a time in lock order (the linearization point is the lock).
 *
 * <p>Freshness: before an input whose {@code now} has reached {@link LeaseKernel#nextDueAt()}, the
 * facade first applies {@code Tick(now)}, so no caller acts on a lease, deadline or waiter that is
 * already due. Both steps' decisions are returned, the tick's first; {@link Step#inputs()} lists the
 * inputs actually applied (for traces).
 */
public final class SharedLeaseKernel {

    /**
     * The inputs one call applied (a {@link Input.Tick} first, when something was due) and their decisions.
     *
     * @param inputs    the inputs applied, in order
     * @param decisions the decisions of all of them, in order
     */
    public record Step(List<Input> inputs, List<Decision> decisions) {
        /**
         * Copies the lists.
         *
         * @param inputs    the inputs applied, in order
         * @param decisions the decisions of all of them, in order
         */
        public Step {
            inputs = List.copyOf(inputs);
            decisions = List.copyOf(decisions);
        }
    }

    private final LeaseKernel kernel;

    /**
     * Shares an existing kernel; the caller must not use it directly any more.
     *
     * @param kernel the kernel to guard
     */
    public SharedLeaseKernel(LeaseKernel kernel) {
        this.kernel = InvalidInputException.requireNonNull(kernel, "kernel");
    }

    /**
     * Shares a new kernel with no tabs and no sessions.
     *
     * @param config the configuration to enforce
     */
    public SharedLeaseKernel(KernelConfig config) {
        this(new LeaseKernel(config));
    }

    /**
     * Applies {@code input}, after a {@code Tick} at the same {@code now} when something is due.
     *
     * @param input the input
     * @return the inputs applied and their decisions
     * @throws InvalidInputException when the input is malformed (see {@link LeaseKernel#apply(Input)})
     */
    public synchronized Step apply(Input input) {
        InvalidInputException.requireNonNull(input, "input");
        List<Input> inputs = new ArrayList<>(2);
        List<Decision> decisions = new ArrayList<>();
        if (!(input instanceof Input.Tick) && input.now() >= kernel.nextDueAt() && input.now() >= kernel.lastNow()) {
            Input tick = new Input.Tick(input.now());
            decisions.addAll(kernel.apply(tick));
            inputs.add(tick);
        }
        decisions.addAll(kernel.apply(input));
        inputs.add(input);
        return new Step(inputs, decisions);
    }

    /** @return a snapshot of the whole state, taken under the lock */
    public synchronized KernelState snapshot() {
        return kernel.snapshot();
    }

    /** @return the earliest time something is due, under the lock ({@link LeaseKernel#nextDueAt()}) */
    public synchronized long nextDueAt() {
        return kernel.nextDueAt();
    }

    /** @return the largest {@code now} accepted so far, under the lock ({@link LeaseKernel#lastNow()}) */
    public synchronized long lastNow() {
        return kernel.lastNow();
    }

    /** @return the configuration enforced */
    public KernelConfig config() {
        return kernel.config();
    }
}

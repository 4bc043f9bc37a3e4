package dev.tablease.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

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
     * The inputs one call applied (a {@link Input.Tick} first, when something was due) and their
     * decisions. Immutable; equal when both lists are equal.
     */
    public static final class Step {
        private final Input tick;
        private final Input input;
        private final List<Decision> decisions;

        /**
         * A step as a list of inputs (for facades built on this class, e.g. in tests).
         *
         * @param inputs    the input applied, or a {@code Tick} then the input
         * @param decisions the decisions of all of them, in order
         * @throws IllegalArgumentException when {@code inputs} is not one input or a {@code Tick} and one input
         */
        public Step(List<Input> inputs, List<Decision> decisions) {
            this(tickOf(inputs), inputs.get(inputs.size() - 1), decisions);
        }

        private static Input tickOf(List<Input> inputs) {
            if (inputs.size() == 1) {
                return null;
            }
            if (inputs.size() == 2 && inputs.get(0) instanceof Input.Tick tick) {
                return tick;
            }
            throw new IllegalArgumentException("a step applies one input, after a Tick when one was due: " + inputs);
        }

        private Step(Input tick, Input input, List<Decision> decisions) {
            this.tick = tick;
            this.input = input;
            this.decisions = List.copyOf(decisions); // no copy when already immutable (the kernel's lists are)
        }

        /** @return the inputs applied, in order: the caller's input, after a {@code Tick} when one was due */
        public List<Input> inputs() {
            return tick == null ? List.of(input) : List.of(tick, input);
        }

        /** @return the decisions of all of them, in order */
        public List<Decision> decisions() {
            return decisions;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Step other && inputs().equals(other.inputs()) && decisions.equals(other.decisions);
        }

        @Override
        public int hashCode() {
            return 31 * inputs().hashCode() + decisions.hashCode();
        }

        @Override
        public String toString() {
            return "Step[inputs=" + inputs() + ", decisions=" + decisions + "]";
        }
    }

    private final LeaseKernel kernel;
    /**
     * Guards {@link #kernel}. A non-fair {@link ReentrantLock} rather than a monitor: under contention a
     * running thread may take the lock again at once instead of handing it to a parked one (measured in
     * {@code docs/benchmarks.md}: with more threads than cores a monitor spends its time parking threads).
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** How many times {@link #apply} retries the lock before it parks (see {@link #lockSpinning()}). */
    private static final int SPINS = 64;

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
    public Step apply(Input input) {
        InvalidInputException.requireNonNull(input, "input");
        lockSpinning();
        try {
            if (!(input instanceof Input.Tick) && input.now() >= kernel.nextDueAt() && input.now() >= kernel.lastNow()) {
                Input tick = new Input.Tick(input.now());
                List<Decision> decisions = new ArrayList<>(kernel.apply(tick));
                decisions.addAll(kernel.apply(input));
                return new Step(tick, input, decisions);
            }
            return new Step(null, input, kernel.apply(input));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the lock, first retrying for a short while without parking: a kernel step holds the lock for
     * about a tenth of a microsecond, much less than parking and waking a thread costs.
     */
    private void lockSpinning() {
        for (int i = 0; i < SPINS; i++) {
            if (lock.tryLock()) {
                return;
            }
            Thread.onSpinWait();
        }
        lock.lock();
    }

    /** @return a snapshot of the whole state, taken under the lock */
    public KernelState snapshot() {
        lock.lock();
        try {
            return kernel.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /** @return the earliest time something is due, under the lock ({@link LeaseKernel#nextDueAt()}) */
    public long nextDueAt() {
        lock.lock();
        try {
            return kernel.nextDueAt();
        } finally {
            lock.unlock();
        }
    }

    /** @return the largest {@code now} accepted so far, under the lock ({@link LeaseKernel#lastNow()}) */
    public long lastNow() {
        lock.lock();
        try {
            return kernel.lastNow();
        } finally {
            lock.unlock();
        }
    }

    /** @return the configuration enforced */
    public KernelConfig config() {
        return kernel.config();
    }
}

package dev.tablease.kernel;

import dev.tablease.kernel.internal.StepDecisions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;

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
            // no copy of the kernel's own lists: a frozen StepDecisions, or an immutable JDK list
            this.decisions = decisions instanceof StepDecisions d ? d.freeze() : List.copyOf(decisions);
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
     * Guards {@link #kernel}; only its write lock is used, as a plain mutual-exclusion lock (the kernel
     * never calls back, so it need not be reentrant). A {@link StampedLock} rather than a
     * {@code ReentrantLock} or a monitor: it records no owner thread, so taking it stores no reference
     * into a long-lived object (under G1 each such store costs a fence; measured in
     * {@code docs/benchmarks.md}), and it is non-fair: a running thread may take it again at once, so
     * under contention one thread applies many inputs in a row and the kernel's state stays in its
     * core's cache (every hand-off moves a dozen cache lines to the other core).
     */
    private final StampedLock lock = new StampedLock();

    /** The callers blocked in {@link StampedLock#writeLock()}; touched only when the lock is contended. */
    private final AtomicInteger parked = new AtomicInteger();

    /** Back-off rounds before a contended caller yields: 16, 32, ..., 512 spin-waits between two looks. */
    private static final int SPIN_ROUNDS = 6;
    /** Yields after the spin rounds, before a contended caller parks on the lock. */
    private static final int YIELDS = 4;
    /**
     * A contended caller parks at once when this many callers are parked already. Two, not one: with two
     * callers on two cores one of them is often parked for a moment, and the other must still spin then.
     */
    private static final int PARKED_FOR_PARKING_AT_ONCE = 2;

    /**
     * Shares an existing kernel; the caller must not use it directly any more.
     *
     * @param kernel the kernel to guard
     */
    public SharedLeaseKernel(LeaseKernel kernel) {
        this.kernel = Require.nonNull(kernel, "kernel");
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
        Require.nonNull(input, "input");
        Input tick = null;
        StepDecisions tickDecisions = null;
        StepDecisions decisions;
        long stamp = lockSpinning();
        try {
            long now = nowOf(input);
            if (now >= kernel.nextDueAt() && now >= kernel.lastNow() && !(input instanceof Input.Tick)) {
                tick = new Input.Tick(now);
                tickDecisions = kernel.decide(tick, now);
            }
            decisions = kernel.decide(input, now);
        } finally {
            lock.unlockWrite(stamp);
        }
        // The lists and the step are built after the lock is released: it guards the kernel's state only,
        // and under contention every nanosecond held is a nanosecond the other callers wait.
        if (tick == null) {
            return new Step(null, input, decisions.freeze());
        }
        List<Decision> all = new ArrayList<>(tickDecisions);
        all.addAll(decisions);
        return new Step(tick, input, all);
    }

    /**
     * Takes the lock. A kernel step holds it about a tenth of a microsecond, far less than parking and
     * waking a thread, so a contended caller first waits without parking: spin-waits with exponential
     * back-off (it looks at the lock rarely, so the holder can take it again several times: fewer
     * hand-offs), then a few yields (the holder may have been descheduled), then it parks on the lock.
     * But when {@link #PARKED_FOR_PARKING_AT_ONCE} callers are parked already (more callers than cores
     * want the lock), it parks at once:
     * a spinning caller would only take a core from the holder and pull the kernel's state to its own
     * core, while with the others parked the holder runs on alone at the speed of one thread.
     * Measured in {@code docs/benchmarks.md} ("What is left, and why").
     */
    private long lockSpinning() {
        long stamp = lock.tryWriteLock();
        return stamp != 0 ? stamp : lockContended();
    }

    /**
     * The contended part of {@link #lockSpinning()}, in its own method so that the JIT keeps it out of
     * {@link #apply}'s compiled code: the uncontended path then compiles the same whatever the contention.
     */
    private long lockContended() {
        long stamp;
        if (parked.get() < PARKED_FOR_PARKING_AT_ONCE) {
            int backoff = 16;
            for (int i = 0; i < SPIN_ROUNDS + YIELDS; i++) {
                if (i < SPIN_ROUNDS) {
                    for (int j = 0; j < backoff; j++) {
                        Thread.onSpinWait();
                    }
                    backoff <<= 1;
                } else {
                    Thread.yield();
                }
                if (!lock.isWriteLocked() && (stamp = lock.tryWriteLock()) != 0) { // look before the CAS
                    return stamp;
                }
            }
        }
        parked.incrementAndGet();
        try {
            return lock.writeLock();
        } finally {
            parked.decrementAndGet();
        }
    }

    /**
     * @return {@code input.now()}, read without an interface call for the two inputs of every lease
     *         cycle ({@code now()} is implemented by a dozen records: a call site that sees three of them
     *         calls through the interface table)
     */
    static long nowOf(Input input) {
        if (input instanceof Input.Acquire a) {
            return a.now();
        }
        if (input instanceof Input.Release r) {
            return r.now();
        }
        return input.now();
    }

    /** @return a snapshot of the whole state, taken under the lock */
    public KernelState snapshot() {
        long stamp = lock.writeLock();
        try {
            return kernel.snapshot();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** @return the earliest time something is due, under the lock ({@link LeaseKernel#nextDueAt()}) */
    public long nextDueAt() {
        long stamp = lock.writeLock();
        try {
            return kernel.nextDueAt();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** @return the largest {@code now} accepted so far, under the lock ({@link LeaseKernel#lastNow()}) */
    public long lastNow() {
        long stamp = lock.writeLock();
        try {
            return kernel.lastNow();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** @return the configuration enforced */
    public KernelConfig config() {
        return kernel.config();
    }
}

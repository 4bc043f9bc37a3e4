package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;

import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Where the kernel's state lives, and the one way to change it: each {@link #apply} is one atomic
 * transition (read the state, take {@code now} from the store's clock, apply a {@code Tick} first when
 * something is due, apply the input, keep the new state). Implementations: {@link InMemoryKernelStore}
 * for one process (the library's default), and the {@link InputLogStore}s shared by processes:
 * {@link SqliteKernelStore} on one host, {@link PostgresKernelStore} across hosts.
 *
 * <p>No Chrome or network I/O happens while a transition holds the store's lock: callers carry out the
 * returned decisions afterwards.
 */
public interface KernelStore extends AutoCloseable {

    /**
     * Applies one input atomically.
     *
     * @param input builds the input from {@code now}, the store's clock read under its lock (never smaller
     *              than the last accepted {@code now})
     * @return the inputs applied (a {@code Tick} first when something was due) and their decisions
     */
    default SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        return apply(input, step -> { });
    }

    /**
     * Applies one input atomically, and hands its step to {@code inLogOrder} in the order of the store's log.
     *
     * <p>{@code inLogOrder} is called once, on some thread of this process (not always the caller's: a store that
     * groups the transitions of several threads into one database transaction calls each one's), after the step is
     * durable and before this method returns, with the store's lock held. So the calls for one store instance never
     * overlap, come in the order in which their steps are in the log, and a {@link #snapshot()} of this instance
     * shows a step only once its {@code inLogOrder} has returned. It must be short and do no I/O: it holds up every
     * other transition of the store. What it throws reaches this method's caller; the step stays applied.
     *
     * @param input      builds the input from {@code now}, as in {@link #apply(LongFunction)}
     * @param inLogOrder told of the step, in log order, under the store's lock
     * @return the inputs applied (a {@code Tick} first when something was due) and their decisions
     */
    SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder);

    /** @return a consistent snapshot of the whole state (every step it shows was told to its {@code inLogOrder}) */
    KernelState snapshot();

    /** @return the configuration the kernel enforces */
    KernelConfig config();

    /**
     * Whether this process is the only one that can apply inputs to this state. When it is, every decision
     * about the store's tabs is made, and carried out, in this process, in order: nobody else can grant a
     * pooled tab behind its back. The adapter then resets a tab when it enters the pool rather than when it is
     * next granted (docs/adapter.md, "Pooled tabs are reset ahead"). A store shared by processes answers
     * {@code false}, the default.
     *
     * @return {@code true} when no other process shares this state
     */
    default boolean processLocal() {
        return false;
    }

    /** Releases the store's resources (files, locks); the state stays where it is kept. */
    @Override
    void close();
}

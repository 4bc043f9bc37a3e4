package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;

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
    SharedLeaseKernel.Step apply(LongFunction<Input> input);

    /** @return a consistent snapshot of the whole state */
    KernelState snapshot();

    /** @return the configuration the kernel enforces */
    KernelConfig config();

    /** Releases the store's resources (files, locks); the state stays where it is kept. */
    @Override
    void close();
}

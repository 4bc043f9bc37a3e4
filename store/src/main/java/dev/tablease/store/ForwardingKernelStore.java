package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * A {@link KernelStore} that forwards every call to another one: the base of decorators that observe or
 * alter transitions (tracing, counting, fault injection) and override only what they change. Every transition,
 * {@link #apply(LongFunction)} included, reaches {@link #apply(LongFunction, Consumer)}: a decorator that sees
 * transitions overrides that one.
 */
public abstract class ForwardingKernelStore implements KernelStore {

    /** The store every call is forwarded to. */
    protected final KernelStore delegate;

    /**
     * @param delegate the store every call is forwarded to
     */
    protected ForwardingKernelStore(KernelStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        return delegate.apply(input, inLogOrder);
    }

    @Override
    public KernelState snapshot() {
        return delegate.snapshot();
    }

    @Override
    public KernelConfig config() {
        return delegate.config();
    }

    @Override
    public boolean processLocal() {
        return delegate.processLocal();
    }

    @Override
    public void close() {
        delegate.close();
    }
}

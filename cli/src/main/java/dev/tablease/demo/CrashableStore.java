package dev.tablease.demo;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.KernelStore;

import java.util.concurrent.CountDownLatch;
import java.util.function.LongFunction;

/**
 * The store as one simulated process sees it, and the way that process crashes in the demo: after
 * {@link #crash()} every transition it tries blocks forever (the process is frozen: no heartbeat, no tick,
 * no release ever reaches the kernel again, exactly as after a {@code kill -9}), and after {@link #bury()}
 * they fail at once, so that the dead broker's threads can be stopped at the end of the demo.
 */
final class CrashableStore implements KernelStore {

    private final KernelStore delegate;
    private final CountDownLatch buried = new CountDownLatch(1);
    private volatile boolean crashed;

    CrashableStore(KernelStore delegate) {
        this.delegate = delegate;
    }

    /** From now on nothing of this process reaches the kernel. */
    void crash() {
        crashed = true;
    }

    /** Lets the frozen threads fail (with {@link IllegalStateException}) so that the broker can be closed. */
    void bury() {
        crashed = true;
        buried.countDown();
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        if (crashed) {
            try {
                buried.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("this simulated process has crashed");
        }
        return delegate.apply(input);
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
    public void close() {
        // the shared store belongs to the demo
    }
}

package dev.tablease.demo;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.KernelStore;

import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The store as one simulated process sees it, and the way that process crashes in the demo: after
 * {@link #crash()} every transition it tries blocks forever (the process is frozen: no heartbeat, no tick,
 * no release ever reaches the kernel again, exactly as after a {@code kill -9}), and after {@link #bury()}
 * they fail at once, so that the dead broker's threads can be stopped at the end of the demo.
 */
final class CrashableStore extends ForwardingKernelStore {

    private final CountDownLatch buried = new CountDownLatch(1);
    private volatile boolean crashed;

    CrashableStore(KernelStore delegate) {
        super(delegate);
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
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        if (crashed) {
            try {
                buried.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("this simulated process has crashed");
        }
        return delegate.apply(input, inLogOrder);
    }

    @Override
    public void close() {
        // the shared store belongs to the demo
    }
}

package dev.tablease.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The facade ticks before a due input, and serialises concurrent callers without breaking invariants. */
class SharedLeaseKernelTest {

    @Test
    void dueLeaseIsExpiredBeforeTheNextInputActs() {
        SharedLeaseKernel shared = new SharedLeaseKernel(KernelConfig.defaults());
        shared.apply(new Input.Acquire(0, "s1", "a", "send", "default"));
        shared.apply(new Input.TabOpened(1, 1, "T1"));
        SharedLeaseKernel.Step step = shared.apply(new Input.Acquire(180_001, "s1", "a", "watcher", "default"));
        assertInstanceOf(Input.Tick.class, step.inputs().get(0), "a Tick came first");
        assertInstanceOf(Decision.Revoked.class, step.decisions().get(0));
        assertTrue(step.decisions().stream().anyMatch(d -> d instanceof Decision.Granted g && g.holder().equals("watcher")),
                "the watcher is granted at once, not queued behind a dead lease");
    }

    @Test
    void concurrentCallersNeverBreakTheCaps() throws InterruptedException {
        KernelConfig config = KernelConfig.builder().maxPerKey(2).globalMax(3).build();
        SharedLeaseKernel shared = new SharedLeaseKernel(config);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        shared.apply(new Input.Acquire(0, "s" + id + "-" + i, "k" + (i % 2), "h" + id, "default"));
                        List<InvariantChecker.Violation> v = InvariantChecker.check(config, shared.snapshot());
                        if (!v.isEmpty()) {
                            throw new AssertionError(v.toString());
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(3, shared.snapshot().tabs().size());
    }
}

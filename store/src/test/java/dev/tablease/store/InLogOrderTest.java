package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link KernelStore#apply(LongFunction, Consumer)} that the adapter builds on: each step is told to
 * its {@code inLogOrder} in the order of the log, and a snapshot never shows a step before its {@code inLogOrder}
 * returned. Checked on the in-memory store and on SQLite (shared and exclusive, whose threads' transitions are
 * grouped by {@link GroupCommit}, as PostgreSQL's are), each checker also run on a deliberately broken store.
 */
@Timeout(120)
class InLogOrderTest {

    @TempDir
    Path dir;

    /** The stores checked: the in-memory store, and SQLite shared by processes or held exclusively. */
    private KernelStore open(String kind) {
        return switch (kind) {
            case "in-memory" -> new InMemoryKernelStore(CONFIG, MillisClock.system());
            case "sqlite-shared", "sqlite-exclusive" -> SqliteKernelStore.open(dir.resolve(kind + ".db"), CONFIG,
                    MillisClock.system(), SqliteKernelStore.Options.defaults().withDurable(false)
                            .withExclusive(kind.equals("sqlite-exclusive")));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    // ------------------------------------------------------------------ told in log order

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "sqlite-shared", "sqlite-exclusive"})
    void stepsAreToldInLogOrder(String kind) throws Exception {
        try (KernelStore store = open(kind)) {
            assertToldInLogOrder(store);
        }
    }

    @Test
    void theOrderCheck_failsOnAStoreThatTellsStepsOutOfOrder() {
        try (KernelStore store = new TellsPairsSwapped(new InMemoryKernelStore(CONFIG, MillisClock.system()))) {
            AssertionError e = assertThrows(AssertionError.class, () -> assertToldInLogOrder(store));
            assertTrue(e.getMessage().contains("replayed in the order told"), e.getMessage());
        }
    }

    /**
     * Four threads run complete sessions at once; every step is recorded by its {@code inLogOrder}. Replaying the
     * inputs in the order told must give the store's state: a swap of two steps changes the request ids, tokens or
     * times the kernel hands out (or goes back in time, which it refuses).
     */
    private static void assertToldInLogOrder(KernelStore store) throws Exception {
        List<Input> told = new ArrayList<>();
        KernelStore telling = new ForwardingKernelStore(store) {
            @Override
            public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
                return delegate.apply(input, step -> {
                    synchronized (told) {
                        told.addAll(step.inputs());
                    }
                    inLogOrder.accept(step);
                });
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> done = StoreFixtures.submitSessions(pool, start, telling, 4, 40);
            start.countDown();
            int transitions = 0;
            for (Future<Integer> f : done) {
                transitions += f.get(60, TimeUnit.SECONDS);
            }
            List<Input> inOrderTold;
            synchronized (told) {
                inOrderTold = List.copyOf(told);
            }
            LeaseKernel replay = new LeaseKernel(CONFIG);
            for (Input in : inOrderTold) {
                try {
                    replay.apply(in);
                } catch (RuntimeException e) {
                    throw new AssertionError("the inputs replayed in the order told: " + in + " is refused: " + e, e);
                }
            }
            assertEquals(store.snapshot(), replay.snapshot(), "the inputs replayed in the order told give the store's state");
            assertTrue(inOrderTold.size() >= transitions, "every transition was told: " + inOrderTold.size() + " < " + transitions);
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ a snapshot waits for inLogOrder

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "sqlite-shared", "sqlite-exclusive"})
    void aSnapshotShowsAStepOnlyOnceItsInLogOrderReturned(String kind) throws Exception {
        try (KernelStore store = open(kind)) {
            assertSnapshotWaitsForInLogOrder(store);
        }
    }

    @Test
    void theSnapshotCheck_failsOnAStoreThatTellsAfterItsLock() {
        try (KernelStore store = new TellsAfterItsLock(new InMemoryKernelStore(CONFIG, MillisClock.system()))) {
            AssertionError e = assertThrows(AssertionError.class, () -> assertSnapshotWaitsForInLogOrder(store));
            assertTrue(e.getMessage().contains("before its inLogOrder returned"), e.getMessage());
        }
    }

    /**
     * One thread's {@code inLogOrder} for an {@code Acquire} holds on until released; meanwhile another thread's
     * snapshot must wait (its thread parks or blocks) and, once the hold ends, show the session.
     */
    private static void assertSnapshotWaitsForInLogOrder(KernelStore store) throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<SharedLeaseKernel.Step> applied = pool.submit(() -> store.apply(
                    now -> new Input.Acquire(now, "s1", "k", "h", KernelConfig.DEFAULT_CLASS), step -> {
                        inside.countDown();
                        try {
                            letGo.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertTrue(inside.await(20, TimeUnit.SECONDS), "the step reached its inLogOrder");
            AtomicReference<Thread> reader = new AtomicReference<>();
            CompletableFuture<KernelState> snapshot = CompletableFuture.supplyAsync(() -> {
                reader.set(Thread.currentThread());
                return store.snapshot();
            }, pool);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!snapshot.isDone() && !waits(reader.get()) && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            boolean early = snapshot.isDone();
            letGo.countDown();
            applied.get(20, TimeUnit.SECONDS);
            assertFalse(early, "the snapshot returned before its inLogOrder returned: "
                    + (early ? snapshot.get().sessions() : ""));
            KernelState after = snapshot.get(20, TimeUnit.SECONDS);
            assertNotEquals(List.of(), after.sessions(), "once the hold ended, the snapshot shows the session");
        } finally {
            letGo.countDown();
            pool.shutdownNow();
        }
    }

    private static boolean waits(Thread t) {
        if (t == null) {
            return false;
        }
        Thread.State s = t.getState();
        return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    // ------------------------------------------------------------------ the broken stores

    /** Broken: tells each odd step only after the next one, so steps 2 and 1, 4 and 3, … are told swapped. */
    private static final class TellsPairsSwapped extends ForwardingKernelStore {
        private Runnable held;

        TellsPairsSwapped(KernelStore delegate) {
            super(delegate);
        }

        @Override
        public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
            synchronized (this) {
                SharedLeaseKernel.Step step = delegate.apply(input);
                if (held == null) {
                    held = () -> inLogOrder.accept(step);
                } else {
                    inLogOrder.accept(step);
                    held.run();
                    held = null;
                }
                return step;
            }
        }
    }

    /** Broken: tells the step after the store's lock is released, so a snapshot can show it first. */
    private static final class TellsAfterItsLock extends ForwardingKernelStore {
        TellsAfterItsLock(KernelStore delegate) {
            super(delegate);
        }

        @Override
        public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
            SharedLeaseKernel.Step step = delegate.apply(input);
            inLogOrder.accept(step);
            return step;
        }
    }
}

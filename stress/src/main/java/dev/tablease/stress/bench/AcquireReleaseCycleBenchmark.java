package dev.tablease.stress.bench;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One acquire → release cycle per operation, on the same workload ({@link Workload}: 3 keys, caps 3/8)
 * for tablease and the anchors. Run at 1, 2 and 8 threads ({@code -t}); see {@link RunBenchmarks}.
 *
 * <p>tablease's cycle through the facade ({@link SharedLeaseKernel}): {@code Acquire} of a new session →
 * {@code Granted} on a pooled tab of the key (with {@code ResetTab}, as the tab served another session)
 * or, the first few times, {@code OpenTab} → {@code TabOpened} → {@code Granted}; then
 * {@code Release(COMPLETED)} ends the session and pools the tab. Each caller cycles through a fixed set
 * of session ids. Steady state: every {@code Acquire} reuses a pooled tab.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AcquireReleaseCycleBenchmark {

    /** One caller: its key, its sessions, its holder name. */
    @State(Scope.Thread)
    public static class Caller {
        String key;
        String holder;
        String[] sessions;
        int next;

        @Setup(Level.Trial)
        public void setUp(ThreadParams threads) {
            int index = threads.getThreadIndex();
            key = Workload.keyOf(index);
            holder = "driver-" + index;
            sessions = Workload.sessionsOf(index);
        }

        String nextSession() {
            String id = sessions[next];
            next = (next + 1) % sessions.length;
            return id;
        }
    }

    /** tablease through the one-lock facade, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Facade {
        SharedLeaseKernel facade;

        @Setup(Level.Trial)
        public void setUp() {
            facade = new SharedLeaseKernel(Workload.config());
        }
    }

    /** The pure kernel with no facade: one kernel per thread (not shared; a reference for the facade's cost at 1 thread). */
    @State(Scope.Thread)
    public static class Unshared {
        LeaseKernel kernel;

        @Setup(Level.Trial)
        public void setUp() {
            kernel = new LeaseKernel(Workload.config());
        }
    }

    @State(Scope.Benchmark)
    public static class Semaphores {
        SemaphoreAnchor anchor;

        @Setup(Level.Trial)
        public void setUp() {
            anchor = new SemaphoreAnchor();
        }
    }

    @State(Scope.Benchmark)
    public static class OneLock {
        OneLockPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            pool = new OneLockPool(Workload.KEYS, Workload.MAX_PER_KEY, Workload.GLOBAL_MAX);
        }
    }

    @State(Scope.Benchmark)
    public static class Pool2 {
        CommonsPool2Anchor pool;

        @Setup(Level.Trial)
        public void setUp() {
            pool = new CommonsPool2Anchor();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Bag {
        HikariBagAnchor bag;

        @Setup(Level.Trial)
        public void setUp() {
            bag = new HikariBagAnchor();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bag.close();
        }
    }

    @Benchmark
    public long tablease(Facade f, Caller c) {
        return facadeCycle(f.facade, c.nextSession(), c.key, c.holder);
    }

    @Benchmark
    public long tableaseUnshared(Unshared u, Caller c) {
        return kernelCycle(u.kernel, c.nextSession(), c.key, c.holder);
    }

    @Benchmark
    public String semaphoreChm(Semaphores s, Caller c) {
        String session = c.nextSession();
        s.anchor.acquire(session, c.key, c.holder);
        s.anchor.release(session, c.key);
        return session;
    }

    @Benchmark
    public long oneLockPool(OneLock l, Caller c) {
        OneLockPool.Tab t = l.pool.acquire(c.key);
        l.pool.release(t);
        return t.id();
    }

    @Benchmark
    public long commonsPool2(Pool2 p, Caller c) throws Exception {
        CommonsPool2Anchor.Tab t = p.pool.acquire(c.key);
        p.pool.release(t);
        return t.id();
    }

    @Benchmark
    public long hikariBag(Bag b) throws InterruptedException {
        HikariBagAnchor.Entry e = b.bag.acquire();
        b.bag.release(e);
        return e.id();
    }

    /** One cycle through the facade; @return the token granted (so nothing is dead code). */
    public static long facadeCycle(SharedLeaseKernel facade, String session, String key, String holder) {
        List<Decision> d = facade.apply(new Input.Acquire(Workload.NOW, session, key, holder, KernelConfig.DEFAULT_CLASS))
                .decisions();
        Decision.Granted g = granted(d);
        if (g == null) {
            Decision.OpenTab open = openTab(d);
            d = facade.apply(new Input.TabOpened(Workload.NOW, open.tabId(), "target-" + open.tabId())).decisions();
            g = granted(d);
            if (g == null) {
                throw new IllegalStateException("no grant after TabOpened: " + d);
            }
        }
        facade.apply(new Input.Release(Workload.NOW, session, g.token(), Outcome.COMPLETED));
        return g.token();
    }

    /** The same cycle on a bare kernel. */
    public static long kernelCycle(LeaseKernel kernel, String session, String key, String holder) {
        List<Decision> d = kernel.apply(new Input.Acquire(Workload.NOW, session, key, holder, KernelConfig.DEFAULT_CLASS));
        Decision.Granted g = granted(d);
        if (g == null) {
            Decision.OpenTab open = openTab(d);
            d = kernel.apply(new Input.TabOpened(Workload.NOW, open.tabId(), "target-" + open.tabId()));
            g = granted(d);
            if (g == null) {
                throw new IllegalStateException("no grant after TabOpened: " + d);
            }
        }
        kernel.apply(new Input.Release(Workload.NOW, session, g.token(), Outcome.COMPLETED));
        return g.token();
    }

    private static Decision.Granted granted(List<Decision> decisions) {
        for (int i = decisions.size() - 1; i >= 0; i--) {
            if (decisions.get(i) instanceof Decision.Granted g) {
                return g;
            }
        }
        return null;
    }

    private static Decision.OpenTab openTab(List<Decision> decisions) {
        for (Decision d : decisions) {
            if (d instanceof Decision.OpenTab o) {
                return o;
            }
        }
        // Queued or Rejected: the workload's pinning should make this impossible (see Workload).
        throw new IllegalStateException("neither Granted nor OpenTab: " + decisions);
    }
}

package dev.tablease.stress.bench;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The pure kernel's cost per input in a state of {@code size} tabs, {@code size} sessions holding a
 * driver lease on them and {@code size} more sessions waiting (one driver each) behind full keys.
 *
 * <p>Two shapes of the same size: {@code FEW_KEYS} spreads it over 5 keys ({@code size/5} tabs and
 * waiters per key), {@code MANY_KEYS} over {@code size/2} keys (2 tabs and 2 waiters per key). Every key
 * is at its cap and its queue is full (the queue capacity equals the waiters per key). One more key,
 * {@code free} (cap 1), has one pooled tab; the global cap is {@code size + 1}, so the kernel is full.
 * The state is built as a {@link KernelState} and restored (building it input by input would take
 * minutes at 100,000 in the {@code MANY_KEYS} shape, for the reason this benchmark shows).
 *
 * <p>Inputs measured (each leaves the state as it found it; {@code now} advances 1 ms per operation,
 * durations are so long that nothing ever falls due):
 * <ul>
 *   <li>{@code heartbeat}: a {@code Heartbeat} of the next lease holder (round robin);</li>
 *   <li>{@code acquireRelease}: {@code Acquire} of a new session on {@code free} (granted the pooled tab)
 *       then {@code Release(COMPLETED)} (the tab is pooled again): two inputs;</li>
 *   <li>{@code tickNothingDue}: a {@code Tick} with nothing due;</li>
 *   <li>{@code acquireRejected}: an {@code Acquire} on a full key whose queue is full: {@code Rejected(QUEUE_FULL)}.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KernelInputCostBenchmark {

    /** Tabs, lease-holding sessions and waiting sessions (each). */
    @Param({"10", "1000", "100000"})
    public int size;

    /** How the state is spread over keys. */
    @Param({"FEW_KEYS", "MANY_KEYS"})
    public String shape;

    static final long T0 = 1_000L;
    static final long LONG = 1_000_000_000_000L; // ~31 years: nothing falls due during a run
    static final String FREE_KEY = "free";

    LeaseKernel kernel;
    long now;
    String[] holders;
    long[] tokens;
    int next;
    String fullKey;

    @Setup(Level.Trial)
    public void setUp() {
        int keyCount = keyCount(shape, size);
        KernelConfig config = config(size, keyCount);
        kernel = LeaseKernel.restore(config, state(config, size, keyCount));
        now = kernel.lastNow();
        holders = new String[size];
        tokens = new long[size];
        for (int i = 0; i < size; i++) {
            holders[i] = holderId(i);
            tokens[i] = i + 1;
        }
        fullKey = keyName(0);
        // Check the shape once: each input does what it is meant to.
        expect(heartbeat(), Decision.Extended.class);
        expect(acquireRejected(), Decision.Rejected.class);
        expect(tickNothingDue(), null);
        acquireRelease();
    }

    @Benchmark
    public List<Decision> heartbeat() {
        int i = next;
        next = i + 1 == size ? 0 : i + 1;
        return kernel.apply(new Input.Heartbeat(++now, holders[i], tokens[i]));
    }

    @Benchmark
    public long acquireRelease() {
        long t = ++now;
        List<Decision> d = kernel.apply(new Input.Acquire(t, "bench-session", FREE_KEY, "bench", KernelConfig.DEFAULT_CLASS));
        Decision last = d.get(d.size() - 1);
        if (!(last instanceof Decision.Granted g)) {
            throw new IllegalStateException("expected a grant on the pooled tab: " + d);
        }
        kernel.apply(new Input.Release(t, "bench-session", g.token(), Outcome.COMPLETED));
        return g.token();
    }

    @Benchmark
    public List<Decision> tickNothingDue() {
        return kernel.apply(new Input.Tick(++now));
    }

    @Benchmark
    public List<Decision> acquireRejected() {
        return kernel.apply(new Input.Acquire(++now, "late", fullKey, "late", KernelConfig.DEFAULT_CLASS));
    }

    private static void expect(List<Decision> d, Class<? extends Decision> type) {
        boolean ok = type == null ? d.isEmpty() : d.size() == 1 && type.isInstance(d.get(0));
        if (!ok) {
            throw new IllegalStateException("expected " + (type == null ? "no decision" : type.getSimpleName()) + ": " + d);
        }
    }

    // ---------------------------------------------------------------- the state

    static int keyCount(String shape, int size) {
        switch (shape) {
            case "FEW_KEYS":
                return 5;
            case "MANY_KEYS":
                return Math.max(1, size / 2);
            default:
                throw new IllegalArgumentException("shape " + shape);
        }
    }

    static KernelConfig config(int size, int keyCount) {
        int perKey = size / keyCount;
        if (perKey * keyCount != size) {
            throw new IllegalArgumentException(size + " is not a multiple of " + keyCount + " keys");
        }
        return KernelConfig.builder()
                .maxPerKey(perKey)
                .maxPerKey(FREE_KEY, 1)
                .globalMax(size + 1)
                .queueCapacity(perKey)
                .queueTimeoutMillis(LONG)
                .poolTtlMillis(LONG)
                .heartbeatIntervalMillis(LONG / 1000)
                .missedHeartbeats(3)
                .requestClass(KernelConfig.DEFAULT_CLASS, LONG)
                .requestClass("pro", LONG)
                .build();
    }

    static String keyName(int k) {
        return String.format(Locale.ROOT, "key-%06d", k);
    }

    static String holderId(int i) {
        return "holder-" + i;
    }

    /**
     * Tabs 1..size RESERVED, key {@code i % keyCount}, each with a lease-holding session; sessions
     * waiting for a tab, {@code size/keyCount} per key, queued in alternating key order; tab size+1 pooled on {@code free}.
     */
    static KernelState state(KernelConfig config, int size, int keyCount) {
        List<Tab> tabs = new ArrayList<>(size + 1);
        List<Session> sessions = new ArrayList<>(2 * size);
        long deadline = T0 + config.reservationMillis(KernelConfig.DEFAULT_CLASS);
        long leaseExpiry = Math.min(deadline, T0 + config.heartbeatTimeoutMillis());
        for (int i = 0; i < size; i++) {
            long tabId = i + 1;
            String key = keyName(i % keyCount);
            String sid = holderId(i);
            tabs.add(new Tab(tabId, "target-" + tabId, key, TabState.RESERVED, sid, 0, 1, false));
            DriverLease lease = new DriverLease(sid, "driver-" + i, i + 1, T0, leaseExpiry);
            sessions.add(new Session(sid, key, KernelConfig.DEFAULT_CLASS, tabId, deadline, null, lease, List.of(), 0, 0));
        }
        tabs.add(new Tab(size + 1, "target-free", FREE_KEY, TabState.POOLED, null, T0 + config.poolTtlMillis(), 2, true));
        for (int i = 0; i < size; i++) {
            String key = keyName(i % keyCount);
            long requestId = i + 1;
            DriverWaiter w = new DriverWaiter(requestId, "waiter-" + i, T0 + config.queueTimeoutMillis());
            sessions.add(new Session("waiting-" + i, key, KernelConfig.DEFAULT_CLASS, 0, 0, null, null, List.of(w), i + 1, 0));
        }
        sessions.sort((a, b) -> a.sessionId().compareTo(b.sessionId()));
        return new KernelState(T0, size + 1, size + 2, size + 1, size + 1, tabs, sessions);
    }
}

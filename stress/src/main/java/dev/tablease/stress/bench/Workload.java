package dev.tablease.stress.bench;

import dev.tablease.kernel.KernelConfig;

/**
 * The workload every implementation of the acquire → release cycle runs: 3 keys, at most 3 tabs per key
 * and 8 in total (the kernel's defaults), callers pinned to keys round-robin by thread index.
 *
 * <p>With at most 8 threads the pinning never makes a caller wait: key {@code i % 3} gets at most 3
 * callers, each holding at most one tab, so at most 3, 3 and 2 tabs are ever needed (8 in total). The
 * benchmarks therefore measure the uncontended-by-capacity path (contention on the lock or the atomics
 * still applies); a caller that would have to wait is a bug in the benchmark and fails it.
 */
public final class Workload {

    /** The keys (vendors/profiles). */
    public static final String[] KEYS = {"vendor-a", "vendor-b", "vendor-c"};
    /** Per-key cap. */
    public static final int MAX_PER_KEY = 3;
    /** Global cap. */
    public static final int GLOBAL_MAX = 8;
    /** Sessions each caller cycles through (a fixed set: each cycle ends its session, the next reuses an id). */
    public static final int SESSIONS_PER_CALLER = 4;
    /**
     * The kernel's clock during the cycle benchmark: frozen. The facade refuses time going backwards
     * (a caller that read the clock before another but took the lock after it must retry), which would
     * add exception noise unrelated to the cycle's cost; at millisecond resolution nearly all calls of a
     * real run share their {@code now} anyway. Nothing expires, so the state stays in its steady state.
     */
    public static final long NOW = 1_000_000L;

    private Workload() {
    }

    /** @return the kernel configuration of the workload: the defaults, i.e. caps 3/8 */
    public static KernelConfig config() {
        return KernelConfig.builder().maxPerKey(MAX_PER_KEY).globalMax(GLOBAL_MAX).build();
    }

    /** @return the key of caller {@code threadIndex} */
    public static String keyOf(int threadIndex) {
        return KEYS[threadIndex % KEYS.length];
    }

    /** @return the fixed session ids of caller {@code threadIndex} */
    public static String[] sessionsOf(int threadIndex) {
        String[] ids = new String[SESSIONS_PER_CALLER];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "session-" + threadIndex + "-" + i;
        }
        return ids;
    }
}

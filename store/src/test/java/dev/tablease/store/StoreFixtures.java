package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Shared by the store tests, their child processes and the benchmark. */
final class StoreFixtures {

    private StoreFixtures() {
    }

    /** The tests' config: caps 3 per key and 8 in all, 60 s heartbeats x 3, long deadlines and pool TTL. */
    static final KernelConfig CONFIG = KernelConfig.builder()
            .maxPerKey(3)
            .globalMax(8)
            .heartbeatIntervalMillis(60_000)
            .missedHeartbeats(3)
            .requestClass(KernelConfig.DEFAULT_CLASS, 10 * 60_000L)
            .deadlineMarginMillis(0)
            .queueTimeoutMillis(60_000)
            .poolTtlMillis(60 * 60_000L)
            .build();

    /**
     * The kill test's config: short heartbeats (300 ms x 3) so that a killed driver is reclaimed quickly,
     * yet long enough for a loaded 2-core machine to keep a live driver's lease.
     */
    static final KernelConfig KILL_CONFIG = CONFIG.toBuilder()
            .heartbeatIntervalMillis(300)
            .missedHeartbeats(3)
            .build();

    /**
     * The database kill test's config: 100 ms x 3, so a hundred kills take a minute. A live driver that stalls
     * longer on a loaded machine loses its lease by the same rule, and acquires again.
     */
    static final KernelConfig FAST_KILL_CONFIG = CONFIG.toBuilder()
            .heartbeatIntervalMillis(100)
            .missedHeartbeats(3)
            .build();

    /**
     * Opens the store at {@code target}: {@link PostgresKernelStore} for a PostgreSQL URL, else
     * {@link #open(Path, KernelConfig, boolean)}; system clocks.
     *
     * <p>The system property {@code tablease.pg.acrossProcesses} ({@code false} unless set to {@code true}) sets
     * {@link PostgresKernelStore.Options#acrossProcesses()}: the benchmark's workers compare both.
     *
     * @param durable synchronous=FULL (SQLite) or synchronous_commit=on (PostgreSQL)
     */
    static KernelStore open(String target, KernelConfig config, boolean durable) {
        if (isPostgres(target)) {
            return PostgresKernelStore.open(target, new java.util.Properties(), config, MillisClock.system(),
                    PostgresKernelStore.Options.defaults().withDurable(durable)
                            .withAcrossProcesses("true".equals(System.getProperty("tablease.pg.acrossProcesses"))));
        }
        return open(Path.of(target), config, durable);
    }

    /** @return whether {@code target} is a PostgreSQL URL ({@code postgresql://…} or {@code jdbc:postgresql:…}) */
    static boolean isPostgres(String target) {
        return target.startsWith("postgresql:") || target.startsWith("jdbc:postgresql:");
    }

    /**
     * Opens the SQLite store kept at {@code file}; system clocks.
     *
     * @param durable synchronous=FULL
     */
    static KernelStore open(Path file, KernelConfig config, boolean durable) {
        return SqliteKernelStore.open(file, config, MillisClock.system(),
                SqliteKernelStore.Options.defaults().withDurable(durable));
    }

    /** A wall clock a test sets by hand. */
    static final class FakeWall implements MillisClock {
        final AtomicLong millis;

        FakeWall(long start) {
            millis = new AtomicLong(start);
        }

        @Override
        public long millis() {
            return millis.get();
        }
    }

    /** A boot clock a test sets by hand; {@code bootId} changes to simulate a reboot. */
    static final class FakeBoot implements BootClock {
        volatile String bootId = "boot-1";
        final AtomicLong millis = new AtomicLong(1_000);

        @Override
        public Reading read() {
            return new Reading(bootId, millis.get());
        }
    }

    /**
     * Submits one worker per thread, each on its own key {@code k<t>}, that waits for {@code start} and then runs
     * {@code pairs} complete sessions ({@link #acquireAndRelease}).
     *
     * @return each worker's count of transitions
     */
    static List<java.util.concurrent.Future<Integer>> submitSessions(java.util.concurrent.ExecutorService pool,
            java.util.concurrent.CountDownLatch start, KernelStore store, int threads, int pairs) {
        List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String key = "k" + t;
            done.add(pool.submit(() -> {
                start.await();
                int n = 0;
                for (int i = 0; i < pairs; i++) {
                    n += acquireAndRelease(store, key + "-s" + i, key, "thread " + key);
                }
                return n;
            }));
        }
        return done;
    }

    /** One complete session: Acquire (TabOpened when the kernel opens a tab), then Release(COMPLETED). */
    static int acquireAndRelease(KernelStore store, String sessionId, String key, String holder) {
        int transitions = 0;
        SharedLeaseKernel.Step step = store.apply(now -> new Input.Acquire(now, sessionId, key, holder, KernelConfig.DEFAULT_CLASS));
        transitions++;
        Decision.Granted granted = granted(step, sessionId);
        if (granted == null) {
            Decision.OpenTab open = step.decisions().stream()
                    .filter(d -> d instanceof Decision.OpenTab o && o.key().equals(key))
                    .map(Decision.OpenTab.class::cast).findFirst()
                    .orElseThrow(() -> new AssertionError("neither granted nor opening: " + step.decisions()));
            SharedLeaseKernel.Step opened = store.apply(now -> new Input.TabOpened(now, open.tabId(), "target-" + open.tabId()));
            transitions++;
            granted = granted(opened, sessionId);
            if (granted == null) {
                throw new AssertionError("not granted after TabOpened: " + opened.decisions());
            }
        }
        long token = granted.token();
        SharedLeaseKernel.Step released = store.apply(now -> new Input.Release(now, sessionId, token, Outcome.COMPLETED));
        transitions++;
        if (released.decisions().stream().noneMatch(d -> d instanceof Decision.Released)) {
            throw new AssertionError("release refused: " + released.decisions());
        }
        return transitions;
    }

    static Decision.Granted granted(SharedLeaseKernel.Step step, String sessionId) {
        return step.decisions().stream()
                .filter(d -> d instanceof Decision.Granted g && g.sessionId().equals(sessionId))
                .map(Decision.Granted.class::cast).findFirst().orElse(null);
    }

    /** A JVM running {@code main} with this test run's class path. */
    static ProcessBuilder childJvm(Class<?> main, String... args) {
        return childJvm(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"), main, args);
    }

    /** A JVM with the given flags running {@code main} with this run's class path. */
    static ProcessBuilder childJvm(List<String> jvmFlags, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    static String read(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

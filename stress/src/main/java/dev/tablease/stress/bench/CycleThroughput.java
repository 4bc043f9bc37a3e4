package dev.tablease.stress.bench;

import dev.tablease.kernel.SharedLeaseKernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cross-check of the JMH cycle throughput at 1, 2 and 8 threads that tolerates a shared, noisy machine:
 * the implementations run in <em>interleaved</em> rounds (each round runs every implementation for the
 * same time, one after the other, so they see about the same load), and the ratios are taken within a
 * round, then the median over rounds is reported. Same cycles and workload as
 * {@link AcquireReleaseCycleBenchmark} (caller i on key i mod 3, 4 sessions per caller, at most 8 callers
 * so nobody waits for capacity).
 *
 * <pre>java -cp stress/target/benchmarks.jar dev.tablease.stress.bench.CycleThroughput [rounds=7] [millis=1000] [threads=1,2,8]</pre>
 */
public final class CycleThroughput {

    private CycleThroughput() {
    }

    /** One implementation's cycle, for the caller with the given index. */
    @FunctionalInterface
    private interface Cycle {
        long run(int caller, int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int millis = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int[] threadCounts = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 8};
        String[] names = {"tablease (facade)", "(a) Semaphore + CHM", "(b) one-lock pool", "(c) Commons Pool2",
                "(d) ConcurrentBag"};
        System.out.printf(Locale.ROOT, "%d interleaved rounds of %d ms per implementation and thread count; load %s%n%n",
                rounds, millis, loadAverage());
        System.out.println("| threads | " + String.join(" | ", names) + " | facade ÷ Pool2 (target ≥ 5) | facade ÷ one-lock (target ≥ 0.25) |");
        System.out.println("|---:|" + "---:|".repeat(names.length) + "---:|---:|");
        for (int threads : threadCounts) {
            double[][] perSecond = new double[names.length][rounds];
            double[] overPool2 = new double[rounds];
            double[] overOneLock = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                SharedLeaseKernel facade = new SharedLeaseKernel(Workload.config());
                SemaphoreAnchor semaphores = new SemaphoreAnchor();
                OneLockPool oneLock = new OneLockPool(Workload.KEYS, Workload.MAX_PER_KEY, Workload.GLOBAL_MAX);
                try (CommonsPool2Anchor pool2 = new CommonsPool2Anchor(); HikariBagAnchor bag = new HikariBagAnchor()) {
                    String[][] sessions = new String[threads][];
                    for (int c = 0; c < threads; c++) {
                        sessions[c] = Workload.sessionsOf(c);
                    }
                    Cycle[] cycles = {
                        (c, i) -> AcquireReleaseCycleBenchmark.facadeCycle(facade, sessions[c][i & 3], Workload.keyOf(c), "driver"),
                        (c, i) -> {
                            semaphores.acquire(sessions[c][i & 3], Workload.keyOf(c), "driver");
                            semaphores.release(sessions[c][i & 3], Workload.keyOf(c));
                            return i;
                        },
                        (c, i) -> {
                            OneLockPool.Tab t = oneLock.acquire(Workload.keyOf(c));
                            oneLock.release(t);
                            return t.id();
                        },
                        (c, i) -> {
                            CommonsPool2Anchor.Tab t = pool2.acquire(Workload.keyOf(c));
                            pool2.release(t);
                            return t.id();
                        },
                        (c, i) -> {
                            HikariBagAnchor.Entry e = bag.acquire();
                            bag.release(e);
                            return e.id();
                        },
                    };
                    if (round == 0) {
                        for (Cycle cycle : cycles) {
                            run(cycle, threads, 2 * millis); // warm-up (JIT)
                        }
                    }
                    // Every implementation's state is now long-lived, as in a service (and as in JMH's trials):
                    // a full collection moves it to the old generation. Measured on young state, a structure
                    // that stores new objects into itself escapes the GC's write barriers and looks faster
                    // than it is (docs/benchmarks.md, "Long-lived state").
                    System.gc();
                    for (int impl = 0; impl < names.length; impl++) {
                        perSecond[impl][round] = run(cycles[impl], threads, millis);
                    }
                }
                overPool2[round] = perSecond[0][round] / perSecond[3][round];
                overOneLock[round] = perSecond[0][round] / perSecond[2][round];
            }
            StringBuilder row = new StringBuilder("| " + threads + " |");
            for (int impl = 0; impl < names.length; impl++) {
                row.append(String.format(Locale.ROOT, " %,.0f |", median(perSecond[impl])));
            }
            row.append(String.format(Locale.ROOT, " %.2f (rounds %s) | %.3f (rounds %s) |", median(overPool2),
                    format(overPool2), median(overOneLock), format(overOneLock)));
            System.out.println(row);
        }
        System.out.printf(Locale.ROOT, "%n(cycles/s, median of %d rounds; ratios: median of the per-round ratios; load at the end %s)%n",
                rounds, loadAverage());
    }

    /** @return cycles per second of {@code threads} callers running {@code cycle} for {@code millis} (0: nothing) */
    private static double run(Cycle cycle, int threads, int millis) throws InterruptedException {
        if (millis == 0) {
            return 0;
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        long[] counts = new long[threads * 16];
        List<Thread> workers = new ArrayList<>();
        long[] sink = new long[threads * 16];
        for (int c = 0; c < threads; c++) {
            int caller = c;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    long n = 0;
                    long s = 0;
                    while (!stop.get()) {
                        for (int i = 0; i < 64; i++) {
                            s += cycle.run(caller, (int) n++);
                        }
                    }
                    counts[caller * 16] = n;
                    sink[caller * 16] = s;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            workers.add(t);
        }
        long t0 = System.nanoTime();
        start.countDown();
        Thread.sleep(millis);
        stop.set(true);
        for (Thread t : workers) {
            t.join();
        }
        long elapsed = System.nanoTime() - t0;
        long total = Arrays.stream(counts).sum();
        return total * 1e9 / elapsed;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String format(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return b.toString();
    }

    private static String loadAverage() {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}

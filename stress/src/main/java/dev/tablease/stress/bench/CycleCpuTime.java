package dev.tablease.stress.bench;

import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * A cross-check of the 1-thread cycle figures that a loaded machine cannot skew: the <em>CPU time</em> of
 * this thread per acquire → release cycle (not wall-clock time, so time the thread spends descheduled
 * by other builds does not count), same cycles as {@link AcquireReleaseCycleBenchmark}. Seven rounds of
 * {@code cycles} each, interleaving the implementations; prints the median of the last five.
 *
 * <pre>java -cp stress/target/benchmarks.jar dev.tablease.stress.bench.CycleCpuTime [cycles=1000000]</pre>
 */
public final class CycleCpuTime {

    private CycleCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SharedLeaseKernel facade = new SharedLeaseKernel(Workload.config());
        LeaseKernel kernel = new LeaseKernel(Workload.config());
        SemaphoreAnchor semaphores = new SemaphoreAnchor();
        OneLockPool oneLock = new OneLockPool(Workload.KEYS, Workload.MAX_PER_KEY, Workload.GLOBAL_MAX);
        String[] names = {"tablease (facade)", "tablease (bare kernel)", "(a) Semaphore + CHM", "(b) one-lock pool",
                "(c) Commons Pool2", "(d) ConcurrentBag"};
        int rounds = 7;
        double[][] ns = new double[names.length][rounds];
        String[] sessions = Workload.sessionsOf(0);
        String key = Workload.keyOf(0);
        long sink = 0;
        try (CommonsPool2Anchor pool2 = new CommonsPool2Anchor(); HikariBagAnchor bag = new HikariBagAnchor()) {
            for (int round = 0; round < rounds; round++) {
                if (round == 1) {
                    System.gc(); // after a round of warm-up: all state long-lived, as in a service (see CycleThroughput)
                }
                for (int impl = 0; impl < names.length; impl++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < cycles; i++) {
                        String s = sessions[i & 3];
                        switch (impl) {
                            case 0 -> sink += AcquireReleaseCycleBenchmark.facadeCycle(facade, s, key, "driver");
                            case 1 -> sink += AcquireReleaseCycleBenchmark.kernelCycle(kernel, s, key, "driver");
                            case 2 -> {
                                semaphores.acquire(s, key, "driver");
                                semaphores.release(s, key);
                            }
                            case 3 -> {
                                OneLockPool.Tab t = oneLock.acquire(key);
                                oneLock.release(t);
                                sink += t.id();
                            }
                            case 4 -> {
                                CommonsPool2Anchor.Tab t = pool2.acquire(key);
                                pool2.release(t);
                                sink += t.id();
                            }
                            default -> {
                                HikariBagAnchor.Entry e = bag.acquire();
                                bag.release(e);
                                sink += e.id();
                            }
                        }
                    }
                    ns[impl][round] = (mx.getCurrentThreadCpuTime() - t0) / (double) cycles;
                }
            }
        }
        System.out.println("| implementation | CPU ns per cycle (median of rounds 3-7) | rounds 3-7 |");
        System.out.println("|---|---:|---|");
        double[] median = new double[names.length];
        for (int impl = 0; impl < names.length; impl++) {
            double[] last = Arrays.copyOfRange(ns[impl], 2, rounds);
            String all = Arrays.toString(Arrays.stream(last).mapToLong(Math::round).toArray());
            Arrays.sort(last);
            median[impl] = last[last.length / 2];
            System.out.printf(Locale.ROOT, "| %s | %.0f | %s |%n", names[impl], median[impl], all);
        }
        System.out.printf(Locale.ROOT, "%nfacade ÷ Commons Pool2 throughput: %.2f (target ≥ 5); ÷ one-lock pool: %.3f (target ≥ 0.25)%n",
                median[4] / median[0], median[3] / median[0]);
        System.out.println("(checksum " + sink + ")");
    }
}

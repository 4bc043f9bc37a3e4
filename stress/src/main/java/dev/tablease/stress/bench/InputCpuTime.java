package dev.tablease.stress.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * A cross-check of {@link KernelInputCostBenchmark} that a loaded machine cannot skew: this thread's
 * <em>CPU time</em> per input, same states and inputs, in one JVM. For each input, shape and size: a
 * warm-up of {@code budgetMs} of CPU, then 5 rounds of {@code budgetMs} each (at least one operation);
 * prints the median and the growth ratios.
 *
 * <pre>java -cp stress/target/benchmarks.jar dev.tablease.stress.bench.InputCpuTime [budgetMs=200] [sizes=10,1000,100000]</pre>
 */
public final class InputCpuTime {

    private InputCpuTime() {
    }

    public static void main(String[] args) {
        long budgetNs = (args.length > 0 ? Long.parseLong(args[0]) : 200) * 1_000_000L;
        String[] sizes = (args.length > 1 ? args[1] : "10,1000,100000").split(",");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        StringBuilder head = new StringBuilder("| input | shape |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String s : sizes) {
            head.append(String.format(Locale.ROOT, " N = %,d |", Integer.parseInt(s)));
            rule.append("---:|");
        }
        for (int i = 1; i < sizes.length; i++) {
            head.append(String.format(Locale.ROOT, " %,d / %,d |", Integer.parseInt(sizes[i]), Integer.parseInt(sizes[i - 1])));
            rule.append("---:|");
        }
        System.out.println(head);
        System.out.println(rule);
        long sink = 0;
        // JIT warm-up of every input on the smallest state first, so the first row is not measured cold.
        for (int pass = 0; pass < 3; pass++) {
            for (String input : RunBenchmarks.INPUTS) {
                for (String shape : RunBenchmarks.SHAPES) {
                    KernelInputCostBenchmark b = new KernelInputCostBenchmark();
                    b.size = 10;
                    b.shape = shape;
                    b.setUp();
                    for (int i = 0; i < 200_000; i++) {
                        sink += run(b, input);
                    }
                }
            }
        }
        for (String input : RunBenchmarks.INPUTS) {
            for (String shape : RunBenchmarks.SHAPES) {
                double[] median = new double[sizes.length];
                for (int si = 0; si < sizes.length; si++) {
                    KernelInputCostBenchmark b = new KernelInputCostBenchmark();
                    b.size = Integer.parseInt(sizes[si]);
                    b.shape = shape;
                    b.setUp();
                    double[] rounds = new double[6];
                    for (int round = 0; round < rounds.length; round++) { // round 0: warm-up
                        // The CPU clock costs about a microsecond per read here: read it once per batch,
                        // doubling the batch while a batch takes under 1/50 of the budget.
                        long ops = 0;
                        long batch = 1;
                        long t0 = mx.getCurrentThreadCpuTime();
                        long t = t0;
                        long last = t0;
                        while (t - t0 < budgetNs) {
                            for (long i = 0; i < batch; i++) {
                                sink += run(b, input);
                            }
                            ops += batch;
                            t = mx.getCurrentThreadCpuTime();
                            if (t - last < budgetNs / 50) {
                                batch *= 2;
                            }
                            last = t;
                        }
                        rounds[round] = (t - t0) / (double) ops;
                    }
                    double[] measured = Arrays.copyOfRange(rounds, 1, rounds.length);
                    Arrays.sort(measured);
                    median[si] = measured[measured.length / 2];
                }
                StringBuilder row = new StringBuilder("| " + input + " | " + shape + " |");
                for (double m : median) {
                    row.append(String.format(Locale.ROOT, " %,.0f |", m));
                }
                for (int i = 1; i < median.length; i++) {
                    double r = median[i] / median[i - 1];
                    row.append(String.format(Locale.ROOT, r >= 10 ? " %.0f |" : " %.2f |", r));
                }
                System.out.println(row);
            }
        }
        System.out.println("(CPU ns per operation, median of 5 rounds; acquireRelease is 2 inputs; checksum " + sink + ")");
    }

    private static long run(KernelInputCostBenchmark b, String input) {
        return switch (input) {
            case "heartbeat" -> b.heartbeat().size();
            case "acquireRelease" -> b.acquireRelease();
            case "tickNothingDue" -> b.tickNothingDue().size();
            case "acquireRejected" -> b.acquireRejected().size();
            default -> throw new IllegalArgumentException(input);
        };
    }
}

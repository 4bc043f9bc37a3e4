package dev.tablease.stress.bench;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every benchmark of this package with the settings of {@code docs/benchmarks.md} and prints the
 * tables of that page (Markdown): the cycle's throughput per implementation and thread count, the
 * ratios against the anchors, the allocation per cycle, and the kernel's cost per input with its growth.
 *
 * <pre>
 * java -Djmh.ignoreLock=true -cp stress/target/benchmarks.jar dev.tablease.stress.bench.RunBenchmarks [--out=FILE]
 *     [--forks=1] [--warmup=3] [--warmup-ms=1000] [--iterations=5] [--iteration-ms=1000] [--rounds=5] [--no-gc]
 *     [--sizes=10,1000,100000]
 * </pre>
 */
public final class RunBenchmarks {

    /** The cycle's implementations, in table order, with their labels. */
    static final Map<String, String> IMPLEMENTATIONS = new LinkedHashMap<>();

    static {
        IMPLEMENTATIONS.put("tablease", "tablease (SharedLeaseKernel facade)");
        IMPLEMENTATIONS.put("tableaseUnshared", "tablease, bare LeaseKernel, 1 thread (reference)");
        IMPLEMENTATIONS.put("semaphoreChm", "(a) Semaphore + ConcurrentHashMap");
        IMPLEMENTATIONS.put("oneLockPool", "(b) one-lock keyed pool (ReentrantLock, HashMap of ArrayDeques)");
        IMPLEMENTATIONS.put("commonsPool2", "(c) Commons Pool2 GenericKeyedObjectPool");
        IMPLEMENTATIONS.put("hikariBag", "(d) HikariCP ConcurrentBag (not keyed: upper bound)");
    }

    /**
     * The implementations the targets compare (tablease and the two anchors of issue 8's targets): run
     * once per round, in a rotated order, so that a slow spell of a shared machine (a few seconds) falls
     * on one implementation's fork in one round instead of deciding the whole comparison.
     */
    static final List<String> TARGET_IMPLEMENTATIONS = List.of("tablease", "oneLockPool", "commonsPool2");

    static final String[] INPUTS = {"heartbeat", "acquireRelease", "tickNothingDue", "acquireRejected"};
    static final String[] SHAPES = {"FEW_KEYS", "MANY_KEYS"};

    /** How long and how much to run. */
    public record Settings(int forks, int warmupIterations, long warmupMillis, int iterations, long iterationMillis,
                           boolean gcProfiler, int[] threads, String[] sizes, int rounds) {

        /**
         * The settings of docs/benchmarks.md: -f 1 -wi 3 -w 1s -i 5 -r 1s, -prof gc, 1/2/8 threads,
         * 10/1,000/100,000, and 5 rounds of the {@link #TARGET_IMPLEMENTATIONS}.
         */
        public static Settings standard() {
            return new Settings(1, 3, 1000, 5, 1000, true, new int[] {1, 2, 8}, new String[] {"10", "1000", "100000"}, 5);
        }

        /** The smoke test's: in this JVM, no warm-up, one 100 ms iteration, the smallest size, two rounds. */
        public static Settings smoke() {
            return new Settings(0, 0, 100, 1, 100, false, new int[] {1, 2, 8}, new String[] {"10"}, 2);
        }

        Settings withRounds(int r) {
            if (r < 1) {
                throw new IllegalArgumentException("rounds must be at least 1: " + r);
            }
            return new Settings(forks, warmupIterations, warmupMillis, iterations, iterationMillis, gcProfiler, threads, sizes, r);
        }
    }

    /**
     * Every result of one run.
     *
     * @param cycleRounds by thread count, the rounds in order: the first holds every implementation, the
     *                    others the {@link #TARGET_IMPLEMENTATIONS} only
     * @param inputs      the per-input costs by input, shape and size
     */
    public record Results(Map<Integer, List<Map<String, RunResult>>> cycleRounds,
                          Map<String, Map<String, Map<String, RunResult>>> inputs) {

        /** @return by thread count, the first round's results: every implementation */
        public Map<Integer, Map<String, RunResult>> cycle() {
            Map<Integer, Map<String, RunResult>> first = new TreeMap<>();
            cycleRounds.forEach((t, rounds) -> first.put(t, rounds.get(0)));
            return first;
        }

        /** @return the scores of {@code impl} at {@code threads}, one per round that ran it */
        double[] scores(int threads, String impl) {
            return cycleRounds.get(threads).stream().filter(m -> m.containsKey(impl)).mapToDouble(m -> score(m.get(impl))).toArray();
        }

        /** @return tablease's score ÷ {@code anchor}'s, within each round that ran both */
        double[] ratiosWithinRounds(int threads, String anchor) {
            return cycleRounds.get(threads).stream().filter(m -> m.containsKey("tablease") && m.containsKey(anchor))
                    .mapToDouble(m -> score(m.get("tablease")) / score(m.get(anchor))).toArray();
        }
    }

    private RunBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        Settings s = Settings.standard();
        Path out = null;
        for (String a : args) {
            String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "";
            if (a.startsWith("--out=")) {
                out = Paths.get(v);
            } else if (a.startsWith("--forks=")) {
                s = new Settings(Integer.parseInt(v), s.warmupIterations, s.warmupMillis, s.iterations, s.iterationMillis, s.gcProfiler, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--warmup=")) {
                s = new Settings(s.forks, Integer.parseInt(v), s.warmupMillis, s.iterations, s.iterationMillis, s.gcProfiler, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--warmup-ms=")) {
                s = new Settings(s.forks, s.warmupIterations, Long.parseLong(v), s.iterations, s.iterationMillis, s.gcProfiler, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--iterations=")) {
                s = new Settings(s.forks, s.warmupIterations, s.warmupMillis, Integer.parseInt(v), s.iterationMillis, s.gcProfiler, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--iteration-ms=")) {
                s = new Settings(s.forks, s.warmupIterations, s.warmupMillis, s.iterations, Long.parseLong(v), s.gcProfiler, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--rounds=")) {
                s = s.withRounds(Integer.parseInt(v));
            } else if (a.equals("--no-gc")) {
                s = new Settings(s.forks, s.warmupIterations, s.warmupMillis, s.iterations, s.iterationMillis, false, s.threads, s.sizes, s.rounds);
            } else if (a.startsWith("--sizes=")) {
                s = new Settings(s.forks, s.warmupIterations, s.warmupMillis, s.iterations, s.iterationMillis, s.gcProfiler, s.threads, v.split(","), s.rounds);
            } else {
                System.err.println("usage: RunBenchmarks [--out=FILE] [--forks=N] [--warmup=N] [--warmup-ms=MS] [--iterations=N]"
                        + " [--iteration-ms=MS] [--rounds=N] [--no-gc] [--sizes=10,1000,100000]");
                System.exit(2);
            }
        }
        String before = loadAverage();
        long start = System.nanoTime();
        Results r = run(s);
        String after = loadAverage();
        StringBuilder md = new StringBuilder();
        md.append(machine(before, after, (System.nanoTime() - start) / 1_000_000_000L, s)).append('\n');
        md.append(report(r, s));
        System.out.println();
        System.out.println(md);
        if (out != null) {
            Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
            System.out.println("written to " + out.toAbsolutePath());
        }
    }

    /**
     * Runs the cycle at each thread count in {@link Settings#rounds} rounds, then the per-input costs at
     * one thread. Round <i>k</i> (from 0) runs the {@link #TARGET_IMPLEMENTATIONS} one after the other,
     * the list rotated by <i>k</i>; the first round then runs the other implementations too.
     */
    public static Results run(Settings s) throws RunnerException {
        Map<Integer, List<Map<String, RunResult>>> cycle = new TreeMap<>();
        for (int t : s.threads) {
            List<Map<String, RunResult>> rounds = new ArrayList<>();
            for (int round = 0; round < s.rounds; round++) {
                List<String> order = new ArrayList<>(TARGET_IMPLEMENTATIONS);
                Collections.rotate(order, -round);
                if (round == 0) {
                    for (String impl : IMPLEMENTATIONS.keySet()) {
                        // one kernel per thread: meaningful at 1 thread only
                        if (!order.contains(impl) && (t == 1 || !impl.equals("tableaseUnshared"))) {
                            order.add(impl);
                        }
                    }
                }
                Map<String, RunResult> byImpl = new LinkedHashMap<>();
                for (String impl : order) {
                    byImpl.put(impl, runCycle(s, impl, t));
                }
                rounds.add(byImpl);
            }
            cycle.put(t, rounds);
        }
        Map<String, Map<String, Map<String, RunResult>>> inputs = new LinkedHashMap<>();
        ChainedOptionsBuilder o = base(s).include(KernelInputCostBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .threads(1).param("size", s.sizes).param("shape", SHAPES);
        for (RunResult r : new Runner(o.build()).run()) {
            inputs.computeIfAbsent(method(r), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.getParams().getParam("shape"), k -> new LinkedHashMap<>())
                    .put(r.getParams().getParam("size"), r);
        }
        return new Results(cycle, inputs);
    }

    private static RunResult runCycle(Settings s, String impl, int threads) throws RunnerException {
        String cls = AcquireReleaseCycleBenchmark.class.getName().replace(".", "\\.");
        Collection<RunResult> results = new Runner(base(s).include(cls + "\\." + impl + "$").threads(threads).build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result for " + impl + " at " + threads + " threads: " + results);
        }
        return results.iterator().next();
    }

    private static ChainedOptionsBuilder base(Settings s) {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .forks(s.forks)
                .warmupIterations(s.warmupIterations)
                .warmupTime(TimeValue.milliseconds(s.warmupMillis))
                .measurementIterations(s.iterations)
                .measurementTime(TimeValue.milliseconds(s.iterationMillis))
                .jvmArgsAppend("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch")
                .shouldFailOnError(true);
        if (s.gcProfiler) {
            o = o.addProfiler(GCProfiler.class);
        }
        return o;
    }

    static String method(RunResult r) {
        String b = r.getParams().getBenchmark();
        return b.substring(b.lastIndexOf('.') + 1);
    }

    // ---------------------------------------------------------------- report

    static String machine(String loadBefore, String loadAfter, long seconds, Settings s) {
        StringBuilder b = new StringBuilder();
        b.append("Machine: nproc ").append(Runtime.getRuntime().availableProcessors())
                .append("; CPU ").append(cpuModel())
                .append("; JDK ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version"))
                .append("; load average before ").append(loadBefore).append(", after ").append(loadAfter)
                .append("; run took ").append(seconds / 60).append(" min ").append(seconds % 60).append(" s.\n");
        b.append(String.format(Locale.ROOT, "Settings: -f %d -wi %d -w %dms -i %d -r %dms%s, fork JVM -Xms1g -Xmx1g -XX:+AlwaysPreTouch;"
                        + " the cycle's %s in %d rounds.%n",
                s.forks, s.warmupIterations, s.warmupMillis, s.iterations, s.iterationMillis, s.gcProfiler ? " -prof gc" : "",
                String.join(", ", TARGET_IMPLEMENTATIONS), s.rounds));
        return b.toString();
    }

    /** @return the tables, Markdown */
    public static String report(Results r, Settings s) {
        StringBuilder b = new StringBuilder();
        Map<Integer, Map<String, RunResult>> first = r.cycle();
        Collection<Integer> threads = first.keySet();

        b.append("#### Throughput of the acquire → release cycle (cycles/s; ")
                .append(s.rounds > 1 ? "tablease, the one-lock pool and Commons Pool2: median of " + s.rounds
                        + " rounds (lowest–highest round); the others: one round, " : "")
                .append("± 99.9% error)\n\n");
        b.append("| implementation |");
        threads.forEach(t -> b.append(' ').append(t).append(t == 1 ? " thread |" : " threads |"));
        b.append('\n').append("|---|").append("---:|".repeat(threads.size())).append('\n');
        for (Map.Entry<String, String> impl : IMPLEMENTATIONS.entrySet()) {
            b.append("| ").append(impl.getValue()).append(" |");
            for (int t : threads) {
                double[] scores = r.scores(t, impl.getKey());
                RunResult x = first.get(t).get(impl.getKey());
                b.append(' ').append(x == null ? "—" : scores.length > 1 ? medianWithRange(scores)
                        : scoreWithError(x.getPrimaryResult())).append(" |");
            }
            b.append('\n');
        }

        b.append("\n#### tablease (facade) ÷ anchor, same run")
                .append(s.rounds > 1 ? " (÷ Commons Pool2 and ÷ one-lock pool: median of the " + s.rounds
                        + " ratios taken within a round; the others: tablease's median ÷ the anchor's one round)" : "")
                .append("\n\n");
        b.append("| threads | ÷ Commons Pool2 (target ≥ 5) | ÷ one-lock pool (target ≥ 0.25) | ÷ Semaphore + CHM | ÷ ConcurrentBag | target met | rounds: ÷ Pool2 / ÷ one-lock |\n");
        b.append("|---:|---:|---:|---:|---:|---|---|\n");
        for (int t : threads) {
            Map<String, RunResult> m = first.get(t);
            double tab = median(r.scores(t, "tablease"));
            double[] pool2Rounds = r.ratiosWithinRounds(t, "commonsPool2");
            double[] lockRounds = r.ratiosWithinRounds(t, "oneLockPool");
            double vsPool2 = median(pool2Rounds);
            double vsLock = median(lockRounds);
            StringBuilder rounds = new StringBuilder();
            for (int i = 0; i < Math.min(pool2Rounds.length, lockRounds.length); i++) {
                rounds.append(i == 0 ? "" : ", ").append(ratio(pool2Rounds[i])).append(" / ").append(ratio(lockRounds[i]));
            }
            b.append("| ").append(t).append(" | ").append(ratio(vsPool2)).append(" | ").append(ratio(vsLock))
                    .append(" | ").append(ratio(tab / score(m.get("semaphoreChm"))))
                    .append(" | ").append(ratio(tab / score(m.get("hikariBag"))))
                    .append(" | ").append(vsPool2 >= 5 && vsLock >= 0.25 ? "yes"
                            : "no (" + (vsPool2 < 5 ? "Pool2 ×" + ratio(vsPool2) + " < 5" : "")
                            + (vsPool2 < 5 && vsLock < 0.25 ? "; " : "")
                            + (vsLock < 0.25 ? "one-lock ×" + ratio(vsLock) + " < 0.25" : "") + ")")
                    .append(" | ").append(rounds).append(" |\n");
        }

        b.append("\n#### Allocation per cycle (bytes/op, `-prof gc` gc.alloc.rate.norm)\n\n");
        b.append("| implementation |");
        threads.forEach(t -> b.append(' ').append(t).append(t == 1 ? " thread |" : " threads |"));
        b.append('\n').append("|---|").append("---:|".repeat(threads.size())).append('\n');
        for (Map.Entry<String, String> impl : IMPLEMENTATIONS.entrySet()) {
            b.append("| ").append(impl.getValue()).append(" |");
            for (int t : threads) {
                RunResult x = first.get(t).get(impl.getKey());
                b.append(' ').append(x == null ? "—" : alloc(x)).append(" |");
            }
            b.append('\n');
        }

        b.append("\n#### The kernel's cost per input (ns/op, 1 thread; state of N tabs + N lease holders + N waiters)\n\n");
        b.append("| input | shape |");
        for (String size : s.sizes) {
            b.append(" N = ").append(String.format(Locale.ROOT, "%,d", Integer.parseInt(size))).append(" |");
        }
        List<String[]> growth = new ArrayList<>();
        for (int i = 1; i < s.sizes.length; i++) {
            growth.add(new String[] {s.sizes[i - 1], s.sizes[i]});
            b.append(String.format(Locale.ROOT, " %,d / %,d |", Integer.parseInt(s.sizes[i]), Integer.parseInt(s.sizes[i - 1])));
        }
        b.append(" bytes/op (by N) |\n|---|---|").append("---:|".repeat(s.sizes.length + growth.size())).append("---|\n");
        for (String input : INPUTS) {
            Map<String, Map<String, RunResult>> byShape = r.inputs.getOrDefault(input, Map.of());
            for (String shape : SHAPES) {
                Map<String, RunResult> bySize = byShape.getOrDefault(shape, Map.of());
                b.append("| ").append(input).append(" | ").append(shape).append(" |");
                for (String size : s.sizes) {
                    RunResult x = bySize.get(size);
                    b.append(' ').append(x == null ? "—" : scoreWithError(x.getPrimaryResult())).append(" |");
                }
                for (String[] g : growth) {
                    RunResult lo = bySize.get(g[0]);
                    RunResult hi = bySize.get(g[1]);
                    b.append(' ').append(lo == null || hi == null ? "—" : ratio(score(hi) / score(lo))).append(" |");
                }
                b.append(' ').append(Stream.of(s.sizes).map(bySize::get).map(x -> x == null ? "—" : alloc(x))
                        .collect(Collectors.joining(" / "))).append(" |\n");
            }
        }
        return b.toString();
    }

    static double score(RunResult r) {
        return r == null ? Double.NaN : r.getPrimaryResult().getScore();
    }

    /** @return the median of {@code v} (the mean of the middle two when even); NaN when empty */
    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static String medianWithRange(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return big(median(v)) + " (" + big(sorted[0]) + "–" + big(sorted[sorted.length - 1]) + ")";
    }

    static String scoreWithError(Result<?> x) {
        String score = big(x.getScore());
        double err = x.getScoreError();
        return Double.isNaN(err) ? score : score + " ± " + big(err);
    }

    static String big(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratio(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "—";
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String alloc(RunResult r) {
        var secondary = r.getSecondaryResults();
        for (String name : secondary.keySet()) {
            if (name.endsWith("gc.alloc.rate.norm")) {
                return String.format(Locale.ROOT, "%,.0f", secondary.get(name).getScore());
            }
        }
        return "n/a";
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}

package dev.tablease.store;

import dev.tablease.kernel.KernelState;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Transitions per second through {@link FileKernelStore} with 1, 2 and 4 processes, fsync on and off,
 * against the {@link InMemoryKernelStore} measured in the same run (docs/benchmarks.md, "File store").
 * The workload is {@link StoreFixtures#acquireAndRelease}: each process runs complete sessions (Acquire,
 * Release; a TabOpened once per process) on its own key, all on one state file. Each figure is the
 * median of {@code reps} runs; a run counts the transitions of all processes between the start signal
 * and the last process's end (JVM start-up and a warm-up of {@link #WARMUP} sessions on a scratch file
 * excluded).
 *
 * <pre>
 * java -cp &lt;test class path&gt; dev.tablease.store.StoreBenchmark [sessionsPerProcess=100] [reps=3] [dir]
 * </pre>
 */
public final class StoreBenchmark {

    /** Sessions each child runs on a scratch file before the measured run (JIT warm-up). */
    static final int WARMUP = 500;

    private StoreBenchmark() {
    }

    record Result(String store, int processes, boolean fsync, double[] tps) {
        double median() {
            double[] s = tps.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path base = args.length > 2 ? Files.createDirectories(Path.of(args[2])) : Files.createTempDirectory("tablease-bench");
        FileStore fs = Files.getFileStore(base);
        System.out.printf(Locale.ROOT, "dir %s (%s on %s); nproc %d; cpu %s; load before: %s%n", base, fs.type(), fs.name(),
                Runtime.getRuntime().availableProcessors(), cpuModel(), loadAverage());

        List<Result> results = new ArrayList<>();
        double[] mem = new double[reps];
        for (int r = 0; r < reps; r++) {
            mem[r] = inMemory(sessions * 200);
        }
        Result baseline = new Result("in-memory (1 thread)", 1, false, mem);
        results.add(baseline);
        int run = 0;
        for (boolean fsync : new boolean[]{true, false}) {
            for (int processes : new int[]{1, 2, 4}) {
                double[] tps = new double[reps];
                for (int r = 0; r < reps; r++) {
                    tps[r] = processes(base.resolve("run-" + (run++)).resolve("state.json"), processes, sessions, fsync);
                }
                results.add(new Result("file", processes, fsync, tps));
            }
        }
        System.out.printf(Locale.ROOT, "load after: %s%n%n", loadAverage());
        System.out.println("| store | processes | fsync | transitions/s (median) | runs | vs in-memory | vs 1 process, same fsync |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Result r : results) {
            Result one = results.stream().filter(o -> o.store.equals(r.store) && o.fsync == r.fsync && o.processes == 1)
                    .findFirst().orElse(r);
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %,.0f | %s | %.4f | %.2f |%n", r.store, r.processes,
                    r.store.startsWith("in-memory") ? "n/a" : (r.fsync ? "on" : "off"), r.median(), runs(r.tps),
                    r.median() / baseline.median(), r.median() / one.median());
        }
    }

    private static String runs(double[] tps) {
        StringBuilder s = new StringBuilder();
        for (double t : tps) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", t));
        }
        return s.toString();
    }

    /** The same workload on the in-memory store, one thread, after a warm-up. */
    private static double inMemory(int sessions) {
        InMemoryKernelStore store = new InMemoryKernelStore(StoreFixtures.CONFIG, MillisClock.system());
        for (int i = 0; i < sessions; i++) {
            StoreFixtures.acquireAndRelease(store, "warm" + i, "k", "h");
        }
        long start = System.nanoTime();
        int transitions = 0;
        for (int i = 0; i < sessions; i++) {
            transitions += StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
        }
        return transitions / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * One run: {@code processes} child JVMs on the store at {@code file} ({@link StoreFixtures#open}: SQLite for
     * {@code *.db}), each warmed up on a scratch store, then timed from the start signal to the last one's end.
     *
     * @return transitions per second of all processes together
     */
    static double processes(Path file, int processes, int sessions, boolean fsync) throws Exception {
        Files.createDirectories(file.getParent());
        List<Child> children = new ArrayList<>();
        try {
            for (int w = 0; w < processes; w++) {
                children.add(new Child(file.resolveSibling("worker-" + w + ".err"), List.of("-XX:+UseSerialGC"),
                        "pairs", file.toString(), Integer.toString(w), Integer.toString(sessions), Boolean.toString(fsync), Integer.toString(WARMUP)));
            }
            for (Child c : children) {
                c.await("ready", 120_000);
            }
            long start = System.nanoTime();
            for (Child c : children) {
                c.send("go");
            }
            long transitions = 0;
            for (Child c : children) {
                transitions += Long.parseLong(c.await("done", 600_000).split(" ")[1]);
            }
            double tps = transitions / ((System.nanoTime() - start) / 1e9);
            for (Child c : children) {
                c.finish(60_000);
            }
            KernelState s;
            try (KernelStore store = StoreFixtures.open(file, StoreFixtures.CONFIG, false)) {
                s = store.snapshot();
            }
            if (s.nextToken() != 1 + (long) processes * sessions) {
                throw new AssertionError("lost update: nextToken " + s.nextToken());
            }
            return tps;
        } finally {
            children.forEach(Child::close);
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}

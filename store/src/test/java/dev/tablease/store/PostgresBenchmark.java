package dev.tablease.store;


import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Transitions per second through {@link PostgresKernelStore} with 1, 2, 4 and 8 client processes on loopback,
 * durable commits ({@code synchronous_commit = on}, {@code fsync = on}) and, for comparison, {@code
 * synchronous_commit = off} (docs/benchmarks.md, "PostgreSQL"). The workload is {@link StoreFixtures#acquireAndRelease}:
 * each process ({@link StoreWorker} {@code pairs}) runs complete sessions (Acquire, Release; a TabOpened once) on
 * its own key, all on one database; every transition takes the head row's lock, so they are serialised across
 * processes and the server's group commit is what lets several clients share one WAL flush. Each figure is the
 * median of {@code reps} runs on a fresh database; the rows "1 × 8 threads" run one process whose 8 threads share one
 * store instance (its application-level group commit decides the inputs they submit at the same time together); a run counts the transitions of all processes between the
 * start signal and the last process's end (JVM start-up and a warm-up of {@link LogStoreBenchmark#WARMUP} sessions
 * per process excluded). The server is a fresh {@link PostgresCluster} on this machine.
 *
 * <pre>
 * java -cp &lt;test class path&gt; dev.tablease.store.PostgresBenchmark [sessionsPerProcess=300] [reps=3]
 * </pre>
 */
public final class PostgresBenchmark {

    private PostgresBenchmark() {
    }

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args sessions per process, repetitions
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf(Locale.ROOT, "nproc %d; load before: %s%n", Runtime.getRuntime().availableProcessors(), load());
        List<String> lines = new ArrayList<>();
        java.nio.file.Path work;
        try (PostgresCluster cluster = PostgresCluster.start()) {
            work = java.nio.file.Files.createTempDirectory("tablease-pg-bench");
            for (boolean durable : new boolean[]{true, false}) {
                double one = 0;
                for (int processes : new int[]{1, 2, 4, 8}) {
                    double[] tps = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        tps[r] = run(cluster.newDatabase(), work, processes, sessions, durable, List.of());
                    }
                    double median = median(tps);
                    if (processes == 1) {
                        one = median;
                    }
                    lines.add(String.format(Locale.ROOT, "| PostgreSQL 15, loopback | %d | %s | %,.0f | %s | %.2f |",
                            processes, durable ? "on" : "off", median, runs(tps), median / one));
                }
                double[] alone = new double[reps]; // 8 processes with the group commit across processes
                for (int r = 0; r < reps; r++) {
                    alone[r] = run(cluster.newDatabase(), work, 8, sessions, durable,
                            List.of("-Dtablease.pg.acrossProcesses=true"));
                }
                lines.add(String.format(Locale.ROOT, "| PostgreSQL 15, loopback | 8, across processes | %s | %,.0f | %s | %.2f |",
                        durable ? "on" : "off", median(alone), runs(alone), median(alone) / one));
                double[] tps = new double[reps]; // one process, 8 threads on one instance: its group commit
                for (int r = 0; r < reps; r++) {
                    tps[r] = threads(cluster.newDatabase(), work, THREADS, sessions, durable);
                }
                lines.add(String.format(Locale.ROOT, "| PostgreSQL 15, loopback | 1 × %d threads | %s | %,.0f | %s | %.2f |",
                        THREADS, durable ? "on" : "off", median(tps), runs(tps), median(tps) / one));
            }
        }
        System.out.printf(Locale.ROOT, "load after: %s%n%n", load());
        deleteTree(work);
        System.out.println("| store | client processes | synchronous_commit | transitions/s (median) | runs | vs 1 process |");
        System.out.println("|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
    }

    private static double run(String db, java.nio.file.Path work, int processes, int sessions, boolean durable,
                              List<String> jvmOptions) throws Exception {
        PostgresKernelStore.open(db, StoreFixtures.CONFIG).close(); // create the schema before the workers start
        return LogStoreBenchmark.processes(db, work, processes, sessions, durable,
                1 + (long) processes * (sessions + LogStoreBenchmark.WARMUP), jvmOptions); // the warm-up runs on the same database
    }

    /** The threads of the one-process rows. */
    static final int THREADS = 8;

    /** One run of {@link LogStoreBenchmark#threads} on a new PostgreSQL database (its schema created first). */
    private static double threads(String db, java.nio.file.Path work, int threads, int sessions, boolean durable)
            throws Exception {
        PostgresKernelStore.open(db, StoreFixtures.CONFIG).close();
        return LogStoreBenchmark.threads(db, work, threads, sessions, durable, false);
    }

    /** Deletes the workers' standard error files and their directory. */
    private static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double median(double[] tps) {
        double[] s = tps.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String runs(double[] tps) {
        StringBuilder s = new StringBuilder();
        for (double t : tps) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", t));
        }
        return s.toString();
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}

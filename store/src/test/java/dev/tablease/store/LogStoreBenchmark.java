package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The SQLite store against the disk's own fsync loop, in one run (docs/benchmarks.md, "SQLite store"; the
 * removed file store's figures are kept there as history):
 * <ol>
 *   <li>the disk: a loop of 256-byte appends each followed by {@code force} (what a WAL commit needs at least),
 *       and a write + fsync + rename + directory fsync loop (what the removed file store did per transition);</li>
 *   <li>transitions/s with 1, 2, 4, 8 processes on one SQLite database, durable commits ({@code synchronous=FULL}):
 *       {@link StoreWorker} {@code pairs}, timed by {@link #processes};</li>
 *   <li>cost per transition with 10, 1,000 and 100,000 sessions in the state (queued behind 8 busy tabs), one
 *       process, durable: heartbeats and fenced writes of the busy sessions, snapshots every 1,000 rows
 *       included.</li>
 * </ol>
 *
 * <pre>
 * java -cp &lt;test class path&gt; dev.tablease.store.LogStoreBenchmark [sessionsPerProcess=100] [reps=3] [dir]
 * java -cp &lt;test class path&gt; dev.tablease.store.LogStoreBenchmark interleaved [rounds=30] [dir]
 * </pre>
 * The second form ({@link #interleaved}) measures one process in process, in rounds that alternate the fsync loop,
 * the durable store and the store without fsync, so that each ratio is taken within about a second.
 */
public final class LogStoreBenchmark {

    private LogStoreBenchmark() {
    }

    /** Sessions each child JVM runs on a scratch store before the timed run (JIT warm-up). */
    static final int WARMUP = 500;

    /**
     * One run on SQLite: {@code processes} child JVMs on the database at {@code file}, each warmed up on a scratch
     * store beside it ({@link #processes(String, Path, int, int, boolean, long)}).
     *
     * @return transitions per second of all processes together
     */
    static double processes(Path file, int processes, int sessions, boolean fsync) throws Exception {
        Files.createDirectories(file.getParent());
        return processes(file.toString(), file.getParent(), processes, sessions, fsync, 1 + (long) processes * sessions);
    }

    /**
     * One run: {@code processes} child JVMs ({@link StoreWorker} {@code pairs}) on the store at {@code target} (an
     * SQLite file or a PostgreSQL URL, {@link StoreFixtures#open(String, KernelConfig, boolean)}), each warmed up
     * first, then timed from the start signal to the last one's end; afterwards the store's {@code nextToken} must
     * be {@code expectedNextToken} (no lost update).
     *
     * @param work where the workers' standard error goes
     * @return transitions per second of all processes together
     */
    static double processes(String target, Path work, int processes, int sessions, boolean fsync,
                            long expectedNextToken) throws Exception {
        return processes(target, work, processes, sessions, fsync, expectedNextToken, List.of());
    }

    /**
     * {@link #processes(String, Path, int, int, boolean, long)} with more JVM options for the workers.
     *
     * @param jvmOptions e.g. {@code -Dtablease.pg.acrossProcesses=true} ({@link StoreFixtures#open(String, KernelConfig, boolean)})
     */
    static double processes(String target, Path work, int processes, int sessions, boolean fsync,
                            long expectedNextToken, List<String> jvmOptions) throws Exception {
        List<Child> children = new ArrayList<>();
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-XX:+UseSerialGC");
        try {
            for (int w = 0; w < processes; w++) {
                children.add(new Child(work.resolve("worker-" + w + ".err"), options,
                        "pairs", target, Integer.toString(w), Integer.toString(sessions), Boolean.toString(fsync),
                        Integer.toString(WARMUP)));
            }
            for (Child c : children) {
                c.await("ready", 300_000);
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
            try (KernelStore store = StoreFixtures.open(target, StoreFixtures.CONFIG, false)) {
                s = store.snapshot();
            }
            if (s.nextToken() != expectedNextToken) {
                throw new AssertionError("lost update: nextToken " + s.nextToken() + ", expected " + expectedNextToken);
            }
            return tps;
        } finally {
            children.forEach(Child::close);
        }
    }

    /**
     * One run of one process ({@link StoreWorker} {@code threads}) whose {@code threads} threads share one store
     * instance at {@code target} (its group commit); afterwards {@code nextToken} must count every session (no lost
     * update).
     *
     * @param exclusive an SQLite store opened exclusively
     * @return transitions per second of all threads together
     */
    static double threads(String target, Path work, int threads, int sessions, boolean durable, boolean exclusive)
            throws Exception {
        try (Child c = new Child(work.resolve("threads.err"), List.of("-XX:+UseSerialGC"), "threads", target,
                Integer.toString(threads), Integer.toString(sessions), Boolean.toString(durable),
                Integer.toString(WARMUP), Boolean.toString(exclusive))) {
            c.await("ready", 300_000);
            long start = System.nanoTime();
            c.send("go");
            long transitions = Long.parseLong(c.await("done", 600_000).split(" ")[1]);
            double tps = transitions / ((System.nanoTime() - start) / 1e9);
            c.finish(60_000);
            try (KernelStore store = StoreFixtures.open(target, StoreFixtures.CONFIG, false)) {
                long expected = 1 + (long) threads * (sessions + WARMUP);
                if (store.snapshot().nextToken() != expected) {
                    throw new AssertionError("lost update: nextToken " + store.snapshot().nextToken() + ", expected " + expected);
                }
            }
            return tps;
        }
    }

    /** The cost benchmark's config: 8 tabs, long heartbeats and deadlines, room for 100,000 waiters. */
    static final KernelConfig COST_CONFIG = KernelConfig.builder().maxPerKey(1).globalMax(8)
            .heartbeatIntervalMillis(600_000).missedHeartbeats(3)
            .requestClass(KernelConfig.DEFAULT_CLASS, 24 * 3_600_000L).deadlineMarginMillis(0)
            .queueCapacity(100_000).queueTimeoutMillis(24 * 3_600_000L).poolTtlMillis(24 * 3_600_000L).build();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("cost")) {
            Path base = Files.createDirectories(Path.of(args.length > 2 ? args[2] : "/tmp/tablease-bench-cost"));
            cost(base, args.length > 1 ? Integer.parseInt(args[1]) : 15);
            return;
        }
        if (args.length > 0 && args[0].equals("interleaved")) {
            Path base = Files.createDirectories(Path.of(args.length > 2 ? args[2] : "/tmp/tablease-bench-interleaved"));
            interleaved(base, args.length > 1 ? Integer.parseInt(args[1]) : 30);
            return;
        }
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path base = args.length > 2 ? Files.createDirectories(Path.of(args[2])) : Files.createTempDirectory("tablease-bench");
        FileStore fs = Files.getFileStore(base);
        System.out.printf(Locale.ROOT, "dir %s (%s on %s); nproc %d; load before: %s%n%n", base, fs.type(), fs.name(),
                Runtime.getRuntime().availableProcessors(), load());

        System.out.println("| what | processes | per second (median) | runs | vs the fsync loop (median of per-run ratios) |");
        System.out.println("|---|---|---|---|---|");
        int[] run = {0};
        measure("disk: 256-byte append + fsync loop", 1, reps, base, () -> fsyncLoop(base.resolve("fsync-x"), 500));
        measure("disk: write + fsync + rename + dir fsync loop", 1, reps, base,
                () -> renameLoop(base.resolve("rename").resolve("f"), 300));
        for (int processes : new int[]{1, 2, 4, 8}) {
            measure("SQLite store, durable", processes, reps, base, () -> processes(
                    base.resolve("run-" + (run[0]++)).resolve("tablease.db"), processes, sessions, true));
        }
        for (boolean exclusive : new boolean[]{false, true}) {
            measure("SQLite store, durable, 1 × 8 threads" + (exclusive ? ", exclusive" : ""), 1, reps, base, () -> {
                Path dir = Files.createDirectories(base.resolve("run-" + (run[0]++)));
                return threads(dir.resolve("tablease.db").toString(), dir, 8, sessions, true, exclusive);
            });
        }

        System.out.println();
        System.out.println("| sessions in the state | SQLite ms per transition (median) | runs | vs 10 sessions |");
        System.out.println("|---|---|---|---|");
        double tenSql = 0;
        for (int n : new int[]{10, 1_000, 100_000}) {
            KernelState state = stateWith(n);
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                ms[r] = sqliteCost(base.resolve("cost-" + n + "-" + r + ".db"), state, 2_000);
            }
            if (n == 10) {
                tenSql = median(ms);
            }
            System.out.printf(Locale.ROOT, "| %,d | %.3f | %s | %.2f |%n", n, median(ms), runs(ms, "%.3f"),
                    median(ms) / tenSql);
        }
        System.out.printf(Locale.ROOT, "%nload after: %s%n", load());
    }

    /**
     * One process, in process (no child JVMs): {@code rounds} rounds, each of an fsync loop of 60 appends, then 20
     * sessions ({@link StoreFixtures#acquireAndRelease}) on a durable store, then 20 on a store with
     * {@code synchronous=NORMAL} (no fsync: the CPU cost alone), all in the same second or so; prints the medians
     * and the median of the per-round ratios, which follow the disk's changes of speed far better than runs
     * minutes apart ({@code LogStoreBenchmark interleaved [rounds=30] [dir]}).
     */
    static void interleaved(Path base, int rounds) {
        FileStore fs;
        try {
            fs = Files.getFileStore(base);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        System.out.printf(Locale.ROOT, "dir %s (%s on %s); nproc %d; load before: %s%n%n", base, fs.type(), fs.name(),
                Runtime.getRuntime().availableProcessors(), load());
        String tuning = System.getProperty("tablease.bench.tuning", "");
        List<String> pragmas = tuning.isEmpty() ? List.of() : List.of(tuning.split(";"));
        String[] labels = {"SQLite store, durable, 1 process", "SQLite store, durable, exclusive, 1 process",
                "SQLite store, durable, exclusive" + (pragmas.isEmpty() ? " + tuning (none given)" : " + " + tuning)
                        + ", 1 process",
                "SQLite store, durable, 1 process × 8 threads (group commit)",
                "SQLite store, durable, exclusive, 1 process × 8 threads (group commit)",
                "SQLite store, synchronous=NORMAL (no fsync: CPU), 1 process"};
        int variants = labels.length;
        double[] loop = new double[rounds];
        double[][] rate = new double[variants][rounds];
        double[][] ratio = new double[variants][rounds];
        int[] next = {0};
        List<KernelStore> stores = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            stores.add(StoreFixtures.open(base.resolve("interleaved-" + System.nanoTime() + ".db"), StoreFixtures.CONFIG, true));
            stores.add(openSqlite(base.resolve("interleaved-x-" + System.nanoTime() + ".db"), true, true, List.of()));
            stores.add(openSqlite(base.resolve("interleaved-xt-" + System.nanoTime() + ".db"), true, true, pragmas));
            stores.add(StoreFixtures.open(base.resolve("interleaved-8-" + System.nanoTime() + ".db"), StoreFixtures.CONFIG, true));
            stores.add(openSqlite(base.resolve("interleaved-x8-" + System.nanoTime() + ".db"), true, true, List.of()));
            stores.add(StoreFixtures.open(base.resolve("interleaved-nosync-" + System.nanoTime() + ".db"),
                    StoreFixtures.CONFIG, false));
            Rate[] run = new Rate[variants];
            for (int v = 0; v < variants; v++) {
                KernelStore store = stores.get(v);
                boolean threads = labels[v].contains("8 threads");
                run[v] = threads ? () -> threadsPerSecond(pool, store, 8, 5, next) : () -> sessionsPerSecond(store, 20, next);
            }
            for (int i = 0; i < 25; i++) { // JIT warm-up: 500 sessions without fsync, 40 with on each durable store
                run[variants - 1].run();
            }
            for (int v = 0; v < variants - 1; v++) {
                run[v].run();
                run[v].run();
            }
            for (int r = 0; r < rounds; r++) {
                loop[r] = fsyncLoop(base.resolve("fsync-interleaved"), 60);
                for (int v = 0; v < variants; v++) {
                    rate[v][r] = run[v].run();
                    ratio[v][r] = rate[v][r] / loop[r];
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
            stores.forEach(KernelStore::close);
        }
        System.out.println("| what | per second (median of " + rounds + " rounds) | lowest–highest round | vs the fsync loop (median of per-round ratios; lowest–highest) |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| disk: 256-byte append + fsync loop | %,.0f | %,.0f–%,.0f | 1.00 |%n", median(loop), min(loop), max(loop));
        for (int v = 0; v < variants; v++) {
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f–%,.0f | %.2f (%.2f–%.2f) |%n", labels[v],
                    median(rate[v]), min(rate[v]), max(rate[v]), median(ratio[v]), min(ratio[v]), max(ratio[v]));
        }
        System.out.printf(Locale.ROOT, "%nload after: %s%n", load());
    }

    /**
     * The cost per transition against the size of the state, interleaved: one durable SQLite store each with 10, 1,000
     * and 100,000 sessions ({@link #stateWith}), and the same three without fsync ({@code synchronous=NORMAL}: the CPU
     * cost alone), all open at once; {@code rounds} rounds, each timing 200 transitions ({@link #beatOrWrite}) on every
     * store in turn, so that each round's sizes see the same disk. Prints the medians and the median of the per-round
     * ratios to 10 sessions ({@code LogStoreBenchmark cost [rounds=15] [dir]}).
     */
    static void cost(Path base, int rounds) {
        int[] sizes = {10, 1_000, 100_000};
        boolean[] durable = {true, false};
        int m = 200;
        System.out.printf(Locale.ROOT, "dir %s; nproc %d; load before: %s%n%n", base,
                Runtime.getRuntime().availableProcessors(), load());
        List<SqliteKernelStore> stores = new ArrayList<>();
        double[][][] ms = new double[2][sizes.length][rounds];
        try {
            long[][] tokens = new long[sizes.length][];
            for (int d = 0; d < 2; d++) {
                for (int i = 0; i < sizes.length; i++) {
                    KernelState state = stateWith(sizes[i]);
                    tokens[i] = tokens(state);
                    Path db = base.resolve("cost-" + sizes[i] + (durable[d] ? "" : "-nosync") + "-" + System.nanoTime() + ".db");
                    SqliteKernelStore.Options options = SqliteKernelStore.Options.defaults().withDurable(durable[d]);
                    SqliteKernelStore.importState(db, COST_CONFIG, state, null, options);
                    stores.add(SqliteKernelStore.open(db, COST_CONFIG, MillisClock.system(), options));
                }
            }
            for (int d = 0; d < 2; d++) { // warm-up: 2 × m on each store
                for (int i = 0; i < sizes.length; i++) {
                    timeTransitions(stores.get(d * sizes.length + i), tokens[i], 2 * m);
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int d = 0; d < 2; d++) {
                    for (int i = 0; i < sizes.length; i++) {
                        ms[d][i][r] = timeTransitions(stores.get(d * sizes.length + i), tokens[i], m);
                    }
                }
            }
        } finally {
            stores.forEach(KernelStore::close);
        }
        System.out.println("| sessions in the state | commits | ms per transition (median of " + rounds
                + " rounds) | lowest–highest round | vs 10 sessions (median of per-round ratios; lowest–highest) |");
        System.out.println("|---|---|---|---|---|");
        for (int d = 0; d < 2; d++) {
            for (int i = 0; i < sizes.length; i++) {
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ms[d][i][r] / ms[d][0][r];
                }
                System.out.printf(Locale.ROOT, "| %,d | %s | %.3f | %.3f–%.3f | %.2f (%.2f–%.2f) |%n", sizes[i],
                        durable[d] ? "durable (fsync)" : "synchronous=NORMAL (CPU)", median(ms[d][i]), min(ms[d][i]),
                        max(ms[d][i]), median(ratio), min(ratio), max(ratio));
            }
        }
        System.out.printf(Locale.ROOT, "%nload after: %s%n", load());
    }

    /** @return an SQLite store at {@code file}, exclusive or not, opened with {@code pragmas} first ({@code tuning}) */
    static KernelStore openSqlite(Path file, boolean durable, boolean exclusive, List<String> pragmas) {
        List<String> before = SqliteKernelStore.tuning;
        SqliteKernelStore.tuning = pragmas;
        try {
            return SqliteKernelStore.open(file, StoreFixtures.CONFIG, MillisClock.system(),
                    SqliteKernelStore.Options.defaults().withDurable(durable).withExclusive(exclusive));
        } finally {
            SqliteKernelStore.tuning = before;
        }
    }

    /** @return transitions per second of {@code threads} threads each running {@code sessions} sessions on its own key */
    private static double threadsPerSecond(java.util.concurrent.ExecutorService pool, KernelStore store, int threads,
                                           int sessions, int[] next) throws Exception {
        long start = System.nanoTime();
        List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String key = "k" + t;
            int first = next[0];
            next[0] += sessions;
            done.add(pool.submit(() -> {
                int n = 0;
                for (int i = 0; i < sessions; i++) {
                    n += StoreFixtures.acquireAndRelease(store, "t-s" + (first + i), key, "interleaved");
                }
                return n;
            }));
        }
        int transitions = 0;
        for (java.util.concurrent.Future<Integer> f : done) {
            transitions += f.get();
        }
        return transitions / ((System.nanoTime() - start) / 1e9);
    }

    /** @return transitions per second of {@code sessions} complete sessions on {@code store} (ids from {@code next}) */
    private static double sessionsPerSecond(KernelStore store, int sessions, int[] next) {
        long start = System.nanoTime();
        int transitions = 0;
        for (int i = 0; i < sessions; i++) {
            transitions += StoreFixtures.acquireAndRelease(store, "i-s" + next[0]++, "k", "interleaved");
        }
        return transitions / ((System.nanoTime() - start) / 1e9);
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    /** Something that runs once and returns its rate per second. */
    private interface Rate {
        double run() throws Exception;
    }

    /**
     * Runs {@code what} {@code reps} times, each right after an fsync loop on the same disk, and prints its median
     * rate and the median of the per-run ratios to that loop (the disk of a shared VM changes speed by the minute).
     */
    private static void measure(String label, int processes, int reps, Path base, Rate what) throws Exception {
        double[] perSecond = new double[reps];
        double[] ratio = new double[reps];
        for (int r = 0; r < reps; r++) {
            double loop = fsyncLoop(base.resolve("fsync-baseline"), 300);
            perSecond[r] = what.run();
            ratio[r] = perSecond[r] / loop;
        }
        System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %s | %.2f (%s) |%n", label, processes, median(perSecond),
                runs(perSecond, "%.0f"), median(ratio), runs(ratio, "%.2f"));
    }

    /** @return appends + fsyncs per second of a 256-byte record to one file */
    static double fsyncLoop(Path file, int n) throws Exception {
        ByteBuffer record = ByteBuffer.allocate(256);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                record.clear();
                ch.write(record);
                ch.force(false);
            }
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** @return the removed file store's write pattern per second: write + fsync a new file, rename it over, fsync the directory */
    static double renameLoop(Path file, int n) throws Exception {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = new byte[800];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
        double perSecond = n / ((System.nanoTime() - start) / 1e9);
        Files.deleteIfExists(file);
        return perSecond;
    }

    /** @return a state with 8 busy tabs (sessions {@code busy-0..7}, leased) and {@code n - 8} sessions queued behind them */
    static KernelState stateWith(int n) {
        try (InMemoryKernelStore mem = new InMemoryKernelStore(COST_CONFIG, MillisClock.system())) {
            for (int i = 0; i < 8; i++) {
                String s = "busy-" + i;
                SharedLeaseKernel.Step step = mem.apply(now -> new Input.Acquire(now, s, "k" + s, "h", KernelConfig.DEFAULT_CLASS));
                Decision.OpenTab open = (Decision.OpenTab) step.decisions().stream().filter(Decision.OpenTab.class::isInstance)
                        .findFirst().orElseThrow();
                mem.apply(now -> new Input.TabOpened(now, open.tabId(), "target-" + open.tabId()));
            }
            for (int i = 8; i < n; i++) {
                String s = "waiting-" + i;
                String key = "kbusy-" + (i % 8);
                mem.apply(now -> new Input.Acquire(now, s, key, "w", KernelConfig.DEFAULT_CLASS));
            }
            KernelState state = mem.snapshot();
            if (state.sessions().size() != Math.max(n, 8)) {
                throw new AssertionError("expected " + n + " sessions, have " + state.sessions().size());
            }
            return state;
        }
    }

    /** @return the busy sessions' tokens, in session order */
    private static long[] tokens(KernelState state) {
        long[] tokens = new long[8];
        for (int i = 0; i < 8; i++) {
            String s = "busy-" + i;
            tokens[i] = state.sessions().stream().filter(x -> x.sessionId().equals(s)).findFirst().orElseThrow().lease().token();
        }
        return tokens;
    }

    /** @return ms per transition: {@code m} heartbeats and fenced writes of the busy sessions, durable */
    static double sqliteCost(Path db, KernelState state, int m) {
        SqliteKernelStore.importState(db, COST_CONFIG, state, null, SqliteKernelStore.Options.defaults());
        try (SqliteKernelStore store = SqliteKernelStore.open(db, COST_CONFIG)) {
            return timeTransitions(store, tokens(state), m);
        }
    }

    private static double timeTransitions(KernelStore store, long[] tokens, int m) {
        for (int i = 0; i < Math.min(m, 20); i++) { // warm-up
            beatOrWrite(store, tokens, i);
        }
        long start = System.nanoTime();
        for (int i = 0; i < m; i++) {
            beatOrWrite(store, tokens, i);
        }
        return (System.nanoTime() - start) / 1e6 / m;
    }

    private static void beatOrWrite(KernelStore store, long[] tokens, int i) {
        String s = "busy-" + (i % 8);
        long token = tokens[i % 8];
        SharedLeaseKernel.Step step = i % 2 == 0 ? store.apply(now -> new Input.Heartbeat(now, s, token))
                : store.apply(now -> new Input.UpdateSession(now, s, token, "https://chat.example/c/" + i));
        Decision last = step.decisions().get(step.decisions().size() - 1);
        if (!(last instanceof Decision.Extended) && !(last instanceof Decision.Updated)) {
            throw new AssertionError("refused: " + step.decisions());
        }
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String runs(double[] values, String format) {
        List<String> out = new ArrayList<>();
        for (double v : values) {
            out.add(String.format(Locale.ROOT, format, v));
        }
        return String.join(", ", out);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}

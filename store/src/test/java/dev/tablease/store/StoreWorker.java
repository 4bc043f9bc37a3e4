package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.SharedLeaseKernel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of the multi-process store tests and of {@link LogStoreBenchmark} and {@link PostgresBenchmark}. Talks to its parent
 * by lines on standard input and output. Uses the real clocks: the wall clock and the boot clock. The store is
 * {@link StoreFixtures#open}'s: PostgreSQL for a {@code postgresql://} or {@code jdbc:postgresql:} URL, an SQLite
 * database for a file. On PostgreSQL the warm-up of {@code pairs} runs on the
 * same database (sessions {@code warm-w<worker>-s<i>} of the worker's key, so the measured sessions reuse its pooled tab).
 *
 * <ul>
 *   <li>{@code pairs <file> <worker> <count> <fsync> [<warmup>]}: runs {@code warmup} sessions
 *       on a scratch file beside {@code file} (JIT warm-up), prints {@code ready}, waits for a line on standard input, then runs {@code count} complete sessions {@code w<worker>-s<i>} of key {@code k<worker>}
 *       and prints {@code done <transitions> <nanos>}.</li>
 *   <li>{@code victim <file> <session> <iterations> [fast]}: with {@code KILL_CONFIG} (or {@code FAST_KILL_CONFIG}) acquires {@code session} (waiting, by polling with
 *       ticks, while a dead driver's lease runs out), prints {@code revoked <token> <reason>} for each
 *       lease of the session it sees revoked and {@code granted <token> <expiresAt> <lastUrlNumber>}; then
 *       alternates a fenced {@code UpdateSession} (url ending in the iteration number) and a heartbeat,
 *       printing {@code committed <n>} after each update returns; after {@code iterations} it releases
 *       with DETACH and prints {@code released}. The parent kills it with SIGKILL somewhere in between.
 *       If a stall outlasts the heartbeat timeout it prints {@code lost <token>} and acquires again.</li>
 *   <li>{@code hold <file> <exclusive>}: opens the SQLite store (exclusively or not), makes one transition, prints
 *       {@code held}, and keeps it open until a line arrives on standard input.</li>
 *   <li>{@code tryopen <file> <exclusive>}: opens the SQLite store and prints {@code opened}, or
 *       {@code locked <millis> <exclusiveWanted> <message>} for a {@link StoreLockedException}.</li>
 *   <li>{@code waitgrant <url> <session>} (PostgreSQL only): queues for the lease of {@code session}, prints
 *       {@code queued <head>}, waits for commits by {@code LISTEN} until the lease is its own, prints
 *       {@code granted <token> <wakeups>}.</li>
 * </ul>
 */
public final class StoreWorker {

    static final String URL_PREFIX = "https://chat.example/c/";

    private StoreWorker() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "pairs" -> pairs(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Boolean.parseBoolean(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 0);
            case "threads" -> threads(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Boolean.parseBoolean(args[4]), Integer.parseInt(args[5]), args.length > 6 && Boolean.parseBoolean(args[6]));
            case "victim" -> victim(args[1], args[2], Integer.parseInt(args[3]),
                    args.length > 4 && args[4].equals("fast") ? StoreFixtures.FAST_KILL_CONFIG : StoreFixtures.KILL_CONFIG);
            case "waitgrant" -> waitGrant(args[1], args[2]);
            case "hold" -> hold(args[1], Boolean.parseBoolean(args[2]));
            case "tryopen" -> tryOpen(args[1], Boolean.parseBoolean(args[2]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** Opens the store at {@code file}, adopting its config when it exists (else {@link StoreFixtures#CONFIG}). */
    private static SqliteKernelStore openSqlite(String file, boolean exclusive) {
        SqliteKernelStore.Options options = SqliteKernelStore.Options.defaults().withExclusive(exclusive);
        return java.nio.file.Files.exists(Path.of(file)) ? SqliteKernelStore.openExisting(Path.of(file), MillisClock.system(), options)
                : SqliteKernelStore.open(Path.of(file), StoreFixtures.CONFIG, MillisClock.system(), options);
    }

    private static void hold(String file, boolean exclusive) throws Exception {
        try (SqliteKernelStore store = openSqlite(file, exclusive)) {
            store.apply(Input.Tick::new);
            System.out.println("held");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
    }

    private static void tryOpen(String file, boolean exclusive) {
        long start = System.nanoTime();
        try (SqliteKernelStore store = openSqlite(file, exclusive)) {
            System.out.println("opened " + store.snapshot().lastNow());
        } catch (StoreLockedException e) {
            System.out.println("locked " + (System.nanoTime() - start) / 1_000_000 + " " + e.exclusiveWanted() + " "
                    + e.getMessage());
        }
    }

    private static void pairs(String target, int worker, int count, boolean fsync, int warmup) throws Exception {
        try (KernelStore store = StoreFixtures.open(target, StoreFixtures.CONFIG, fsync)) {
            if (warmup > 0 && StoreFixtures.isPostgres(target)) { // on the same database and key: JIT warm-up
                for (int i = 0; i < warmup; i++) { // (another key would hold a pooled tab and crowd the global cap)
                    StoreFixtures.acquireAndRelease(store, "warm-w" + worker + "-s" + i, "k" + worker, "warm-up");
                }
            } else if (warmup > 0) { // the same code on a scratch file, fsync off, so that the measured run is JIT-compiled
                Path file = Path.of(target);
                Path scratch = file.resolveSibling("warmup-" + worker + "-" + file.getFileName()); // same store kind
                try (KernelStore warm = StoreFixtures.open(scratch, StoreFixtures.CONFIG, false)) {
                    for (int i = 0; i < warmup; i++) {
                        StoreFixtures.acquireAndRelease(warm, "warm-s" + i, "k", "warm-up");
                    }
                }
            }
            System.out.println("ready");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            long start = System.nanoTime();
            int transitions = 0;
            for (int i = 0; i < count; i++) {
                transitions += StoreFixtures.acquireAndRelease(store, "w" + worker + "-s" + i, "k" + worker,
                        "worker " + worker);
            }
            System.out.println("done " + transitions + " " + (System.nanoTime() - start));
        }
    }

    /**
     * {@code threads <url> <threads> <count> <fsync> <warmup> [<exclusive>]}: one store instance (an SQLite one opened
     * exclusively when asked) shared by {@code threads} threads,
     * thread {@code t} running the sessions of {@code pairs} on key {@code k<t>} (its warm-up on the same database),
     * so that the instance's group commit can decide the inputs its threads submit at the same time together.
     */
    private static void threads(String target, int threads, int count, boolean fsync, int warmup, boolean exclusive)
            throws Exception {
        try (KernelStore store = exclusive ? SqliteKernelStore.open(Path.of(target), StoreFixtures.CONFIG,
                MillisClock.system(), SqliteKernelStore.Options.defaults().withDurable(fsync).withExclusive(true))
                : StoreFixtures.open(target, StoreFixtures.CONFIG, fsync)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.List<java.util.concurrent.Future<?>> warm = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int w = t;
                    warm.add(pool.submit(() -> {
                        for (int i = 0; i < warmup; i++) {
                            StoreFixtures.acquireAndRelease(store, "warm-w" + w + "-s" + i, "k" + w, "warm-up");
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> f : warm) {
                    f.get();
                }
                System.out.println("ready");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                long start = System.nanoTime();
                java.util.List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int w = t;
                    done.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < count; i++) {
                            n += StoreFixtures.acquireAndRelease(store, "w" + w + "-s" + i, "k" + w, "thread " + w);
                        }
                        return n;
                    }));
                }
                int transitions = 0;
                for (java.util.concurrent.Future<Integer> f : done) {
                    transitions += f.get();
                }
                System.out.println("done " + transitions + " " + (System.nanoTime() - start));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void victim(String target, String sessionId, int iterations, KernelConfig config) throws Exception {
        try (KernelStore store = StoreFixtures.open(target, config, true)) {
            String holder = "victim " + ProcessHandle.current().pid();
            int left = iterations;
            while (true) {
                Decision.Granted granted = acquire(store, sessionId, holder);
                long token = granted.token();
                Session session = store.snapshot().sessions().stream().filter(s -> s.sessionId().equals(sessionId))
                        .findFirst().orElseThrow();
                long n = urlNumber(session);
                System.out.println("granted " + token + " " + granted.expiresAt() + " " + n);
                boolean lost = false;
                for (; left > 0 && !lost; left--) {
                    long next = ++n;
                    if (!has(store.apply(now -> new Input.UpdateSession(now, sessionId, token, URL_PREFIX + next)),
                            Decision.Updated.class)) {
                        lost = true;
                        break;
                    }
                    System.out.println("committed " + next);
                    lost = !has(store.apply(now -> new Input.Heartbeat(now, sessionId, token)), Decision.Extended.class);
                }
                if (!lost && has(store.apply(now -> new Input.Release(now, sessionId, token, Outcome.DETACH)),
                        Decision.Released.class)) {
                    System.out.println("released");
                    return;
                }
                // a stall longer than the heartbeat timeout (a loaded machine): the lease is gone; acquire again
                System.out.println("lost " + token);
            }
        }
    }

    /**
     * On PostgreSQL: asks for the lease of {@code sessionId} (held by the parent), prints {@code queued}, then waits
     * for commits with {@link PostgresKernelStore#awaitChange} (no polling) until the lease is its own, and prints
     * {@code granted <token> <wakeups>}.
     */
    private static void waitGrant(String url, String sessionId) {
        try (PostgresKernelStore store = (PostgresKernelStore) StoreFixtures.open(url, StoreFixtures.CONFIG, true)) {
            String holder = "waiter " + ProcessHandle.current().pid();
            SharedLeaseKernel.Step step = store.apply(now -> new Input.Acquire(now, sessionId, "k", holder,
                    KernelConfig.DEFAULT_CLASS));
            if (step.decisions().stream().noneMatch(Decision.Queued.class::isInstance)) {
                System.out.println("error not queued: " + step.decisions());
                return;
            }
            long seen = store.headSeq();
            System.out.println("queued " + seen);
            int wakeups = 0;
            while (true) {
                seen = store.awaitChange(seen, java.time.Duration.ofSeconds(120));
                wakeups++;
                Session s = store.snapshot().sessions().stream().filter(x -> x.sessionId().equals(sessionId))
                        .findFirst().orElseThrow();
                if (s.lease() != null && s.lease().holder().equals(holder)) {
                    System.out.println("granted " + s.lease().token() + " " + wakeups);
                    return;
                }
            }
        }
    }

    /** Acquires the session's lease: at once, after opening its tab, or after waiting (polling with ticks). */
    private static Decision.Granted acquire(KernelStore store, String sessionId, String holder) throws InterruptedException {
        SharedLeaseKernel.Step step = store.apply(now -> new Input.Acquire(now, sessionId, "victim", holder,
                KernelConfig.DEFAULT_CLASS));
        report(step, sessionId);
        Decision.Granted granted = StoreFixtures.granted(step, sessionId);
        for (Decision d : step.decisions()) {
            if (granted == null && d instanceof Decision.OpenTab open) {
                step = store.apply(now -> new Input.TabOpened(now, open.tabId(), "target-" + open.tabId()));
                report(step, sessionId);
                granted = StoreFixtures.granted(step, sessionId);
            }
        }
        while (granted == null) { // queued behind a lease: the heartbeat rule ends it
            Thread.sleep(20);
            step = store.apply(Input.Tick::new);
            report(step, sessionId);
            granted = StoreFixtures.granted(step, sessionId);
        }
        return granted;
    }

    static long urlNumber(Session session) {
        String url = session.conversationUrl();
        return url == null ? 0 : Long.parseLong(url.substring(URL_PREFIX.length()));
    }

    private static void report(SharedLeaseKernel.Step step, String sessionId) {
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.Revoked r && r.sessionId().equals(sessionId)) {
                System.out.println("revoked " + r.token() + " " + r.reason());
            }
        }
    }

    private static boolean has(SharedLeaseKernel.Step step, Class<? extends Decision> expected) {
        return step.decisions().stream().anyMatch(expected::isInstance);
    }
}

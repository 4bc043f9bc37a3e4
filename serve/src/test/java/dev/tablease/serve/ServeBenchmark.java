package dev.tablease.serve;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.TabBroker;
import dev.tablease.adapter.TabLease;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The service's benchmark (docs/benchmarks.md, "The lease service"): the same lease cycles over loopback HTTP and
 * through the Java library ({@link TabBroker} in-process), on one real Chromium, in rounds that alternate the two
 * (the order swapped every round), so every HTTP figure has a library baseline measured minutes away at most.
 * Not a timed test: it asserts only that every answer was a success. Skipped unless
 * {@code -Dtablease.serve.benchmark=true}:
 *
 * <pre>mvn -B -pl serve test -Dtest=ServeBenchmark -Dtablease.serve.benchmark=true [-Dtablease.serve.rounds=3]
 *     [-Dtablease.serve.clients=1,8,64] [-Dtablease.serve.sides=http,library,node] [-Dtablease.serve.cases=driver,pooled]
 *     [-Dtablease.serve.grants=200] [-Dtablease.serve.store=sqlite]</pre>
 *
 * <ul>
 *   <li><b>Driver round trips</b> (1, 8 and 64 clients, {@value #SECONDS} s each): each client owns a session bound
 *       to a tab and loops acquire → release {@code DETACH}: the {@code poll}/{@code send} cycle of an agent on its
 *       own tab. No navigation: the session keeps its tab.</li>
 *   <li><b>Pooled grant</b> (one client, 200 grants after 10 not counted): a new session acquires on a key whose
 *       one tab is pooled, sets its title and a global (over the lease's CDP socket, or Playwright), then finishes
 *       ({@code COMPLETED}); the next grant comes {@value #POOLED_PAUSE_MILLIS} ms later. Two latencies: the acquire
 *       alone (HTTP + store + handover), and the acquire with the tab made drivable ("+CDP": over HTTP the
 *       lease's CDP socket opened, the service's proxy connected to the page; through the library nothing more,
 *       the lease's page is attached already).</li>
 *   <li><b>Below the service</b>, in the same run: the store's part of each pooled grant (its {@code Acquire}'s
 *       transition: lock, kernel, durable commit; {@link TimedGrants}), and once a round the disk's own durable
 *       write (256 bytes and an fsync) after the same pause: the floor no grant on a durable store goes below.</li>
 * </ul>
 * Both use an in-memory store, or each an SQLite store of its own with {@code -Dtablease.serve.store=sqlite}
 * (durable commits, held exclusively as {@code tablease serve} holds it); both are process-local, so pooled tabs are
 * reset ahead.
 */
class ServeBenchmark {

    /** Seconds per driver round-trip case. */
    private static final long SECONDS = 5;
    /** Grants per pooled-grant case ({@code -Dtablease.serve.grants}). */
    private static final int POOLED_GRANTS = Integer.getInteger("tablease.serve.grants", 200);
    /** The cases to run ({@code -Dtablease.serve.cases=driver,pooled}). */
    private static final String CASES = System.getProperty("tablease.serve.cases", "driver,pooled");
    /** Pause between pooled grants, in milliseconds (the reset ahead takes 40-60 ms here). */
    private static final long POOLED_PAUSE_MILLIS = 250;
    /** The client counts of the driver round trips ({@code -Dtablease.serve.clients=1,8,64}). */
    private static final int[] CLIENTS = Arrays.stream(System.getProperty("tablease.serve.clients", "1,8,64").split(","))
            .mapToInt(Integer::parseInt).toArray();

    /** {@code memory} or {@code sqlite} ({@code -Dtablease.serve.store}). */
    private static final String STORE = System.getProperty("tablease.serve.store", "memory");

    /** The store of the side being measured, timing its pooled grants' transitions. */
    private static volatile TimedGrants timed;

    /** @return a store for one side, in {@code dir} when it is a file, its pooled acquires timed */
    private static KernelStore store(Path dir) {
        KernelStore store = STORE.equals("sqlite") ? SqliteKernelStore.open(dir.resolve("bench.db"), kernel(),
                MillisClock.system(), SqliteKernelStore.Options.defaults().withExclusive(true)) // as tablease serve opens it
                : new InMemoryKernelStore(kernel(), MillisClock.system());
        timed = new TimedGrants(store, "pool");
        return timed;
    }

    /** Reports the store's part of the pooled grants timed since the last call, the {@code uncounted} first left out. */
    private static void reportStorePart(int round, String side, int uncounted) {
        long[] all = timed.drain();
        if (all.length > uncounted) { // the copy's last element: 0, no elapsed time (see report)
            report(round, side, "pooled grant, store", 1, Arrays.copyOfRange(all, uncounted, all.length + 1));
        }
    }

    /** The kernel: one key for the drivers' sessions (a tab each), one key with a single pooled tab. */
    private static KernelConfig kernel() {
        return KernelConfig.builder().maxPerKey(64).globalMax(72).queueCapacity(128).heartbeatIntervalMillis(5_000)
                .missedHeartbeats(6).queueTimeoutMillis(30_000).poolTtlMillis(600_000).build();
    }

    /** One side of the comparison: acquire and release a session's lease. */
    interface Side extends AutoCloseable {
        /** @return the token (HTTP) or the lease (library) of the grant */
        Object acquire(String sessionId, String key) throws Exception;

        /**
         * Makes the granted tab drivable: over HTTP, opens the lease's CDP socket (kept for {@link #use}); through
         * the library nothing (the lease's page is attached already).
         *
         * @return the grant, ready to drive
         */
        Object attach(Object grant) throws Exception;

        void release(String sessionId, Object grant, String outcome) throws Exception;

        /**
         * Drives the granted tab as a session would, leaving state for the reset to clear: sets its title and a
         * global (by {@code Runtime.evaluate}, not a navigation: see docs/benchmarks.md, "The lease service").
         */
        void use(Object grant, String mark) throws Exception;

        /** @return the granted tab's CDP target id */
        String targetId(Object grant);

        /** @return a view of this side for one client thread */
        Side client();

        @Override
        void close();
    }

    @Test
    @Timeout(1800)
    void httpAgainstTheLibrary_inRounds() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("tablease.serve.benchmark"), "run with -Dtablease.serve.benchmark=true");
        int rounds = Integer.getInteger("tablease.serve.rounds", 3);
        try (ChromiumProcess chromium = ChromiumProcess.start()) {
            for (int round = 1; round <= rounds; round++) {
                boolean httpFirst = round % 2 == 0;
                for (int i = 0; i < 2; i++) {
                    boolean http = httpFirst == (i == 0);
                    if (!System.getProperty("tablease.serve.sides", "http,library").contains(http ? "http" : "library")) {
                        continue;
                    }
                    try (Side side = http ? new HttpSide(chromium) : new LibrarySide(chromium)) {
                        measure(round, (http ? "http    " : "library ") + STORE, side);
                    }
                }
                if (System.getProperty("tablease.serve.sides", "http,library").contains("node")) {
                    measureNode(round, chromium);
                }
                if (CASES.contains("pooled")) { // the baseline: the disk's durable write after the same pause
                    long[] fsync = TimedGrants.fsyncAfterPause(Path.of(System.getProperty("java.io.tmpdir")),
                            POOLED_GRANTS, POOLED_PAUSE_MILLIS);
                    report(round, "disk    " + STORE, "fsync after pause", 1, Arrays.copyOf(fsync, fsync.length + 1));
                }
            }
        }
    }

    private static void measure(int round, String name, Side side) throws Exception {
        for (int n : CASES.contains("driver") ? CLIENTS : new int[0]) {
            for (int c = 0; c < n; c++) { // bind one tab per client session (opens the tabs once)
                String s = "drv-" + c;
                side.release(s, side.acquire(s, "drv"), "DETACH");
            }
            long[] r = run(n, side, (cl, client, seq) -> {
                String s = "drv-" + client;
                cl.release(s, cl.acquire(s, "drv"), "DETACH");
            });
            report(round, name, "driver round trip", n, r);
        }
        if (!CASES.contains("pooled")) {
            return;
        }
        warm(side);
        long[] grant = new long[POOLED_GRANTS + 1]; // the last: no elapsed time (see report)
        long[] attached = new long[POOLED_GRANTS + 1];
        for (int i = -10; i < POOLED_GRANTS; i++) { // ten grants first, not counted: the code paths compiled
            String s = "pool-" + round + "-" + i;
            long t0 = System.nanoTime();
            Object g = side.acquire(s, "pool");
            long t1 = System.nanoTime();
            g = side.attach(g);
            long t2 = System.nanoTime();
            if (i >= 0) {
                grant[i] = t1 - t0;
                attached[i] = t2 - t0;
                if (t2 - t0 > 50_000_000L) { // say when, to find what else ran then (a GC, a checkpoint, …)
                    System.out.printf(Locale.ROOT, "BENCH round %d %s pooled grant %d took %.1f ms (at %s)%n", round, name,
                            i, (t2 - t0) / 1e6, java.time.Instant.now());
                }
            }
            side.use(g, s);
            side.release(s, g, "COMPLETED");
            Thread.sleep(POOLED_PAUSE_MILLIS); // the reset ahead (in-memory store) takes 40-60 ms here
        }
        report(round, name, "pooled grant", 1, grant);
        report(round, name, "pooled grant+CDP", 1, attached);
        reportStorePart(round, name, 10);
    }

    /** Driver cycles on their own tab (acquire, attach, release {@code DETACH}) before the pooled grants. */
    private static final int WARM_CYCLES = Integer.getInteger("tablease.serve.warm", 2_000);

    /**
     * Runs the pooled grant's code paths {@value #WARM_CYCLES} times first (reattaching a session to its own tab, so
     * without the tab's reset): a service that has run for a while has its HTTP, WebSocket upgrade and lease code
     * compiled, and 200 grants alone would measure the JIT's interpreter (a first run: the CDP upgrade 5.6 ms at
     * the median cold, 2.9 ms after 4,000 cycles).
     */
    private static void warm(Side side) throws Exception {
        for (int i = 0; i < WARM_CYCLES; i++) {
            Object g = side.attach(side.acquire("drv-0", "drv")); // the first driver's session and tab
            if (g instanceof HttpSide.Attached a) {
                a.cdp().close();
            }
            side.release("drv-0", g, "DETACH");
        }
    }

    /**
     * The pooled grant through the Node client ({@code clients/node/bench/pooled-grant.mjs}), as an agent in another
     * language sees it: its HTTP and WebSocket clients instead of the JDK's.
     */
    private static void measureNode(int round, ChromiumProcess chromium) throws Exception {
        NodeTests.requireNodeAndInstall();
        try (HttpSide side = new HttpSide(chromium)) {
            NodeTests.Result r = NodeTests.exec(List.of(NodeTests.NODE, "bench/pooled-grant.mjs",
                            "--grants", String.valueOf(POOLED_GRANTS), "--pause-millis", String.valueOf(POOLED_PAUSE_MILLIS),
                            "--warm", String.valueOf(WARM_CYCLES)),
                    java.util.Map.of("TABLEASE_URL", side.fixture.server.uri().toString(),
                            "TABLEASE_TOKEN_FILE", side.fixture.dir.resolve("serve.token").toString()), 900, null);
            assertEquals(0, r.exit(), r.output());
            for (String line : r.output().split("\n")) {
                if (line.startsWith("{")) {
                    com.fasterxml.jackson.databind.JsonNode j = Api.JSON.readTree(line);
                    System.out.printf(Locale.ROOT, "BENCH round %d node    %s pooled %-16s clients   1: %6d,         -, p50 %7.2f ms, "
                                    + "p99 %7.2f ms, slowest (ms): %s%n", round, STORE, j.path("what").asText(),
                            j.path("count").asInt(), j.path("p50").asDouble(), j.path("p99").asDouble(), j.path("slowest"));
                }
            }
            reportStorePart(round, "node    " + STORE, 20); // its warm-up: 2 × 10 grants
        }
    }

    /** @return the script a pooled session runs in its tab */
    static String script(String mark) {
        return "document.title = '" + mark + "'; window.leftover = '" + mark + "'";
    }

    interface Op {
        void call(Side side, int client, int seq) throws Exception;
    }

    /** @return every round trip's latency in nanoseconds, and the elapsed nanoseconds last */
    private static long[] run(int clients, Side side, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long t0 = System.nanoTime();
        List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            final int client = c;
            Side cl = side.client();
            futures.add(CompletableFuture.supplyAsync(() -> {
                List<Long> lat = new ArrayList<>();
                int seq = 0;
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        op.call(cl, client, seq++);
                        lat.add(System.nanoTime() - s);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                return lat;
            }, pool));
        }
        List<Long> all = new ArrayList<>();
        for (CompletableFuture<List<Long>> fu : futures) {
            all.addAll(fu.get(SECONDS + 120, TimeUnit.SECONDS));
        }
        long elapsed = System.nanoTime() - t0;
        pool.shutdown();
        long[] out = new long[all.size() + 1];
        for (int i = 0; i < all.size(); i++) {
            out[i] = all.get(i);
        }
        out[all.size()] = elapsed;
        return out;
    }

    private static void report(int round, String side, String what, int clients, long[] r) {
        long elapsed = r[r.length - 1];
        long[] lat = Arrays.copyOf(r, r.length - 1);
        Arrays.sort(lat);
        String rate = elapsed == 0 ? "        -" : String.format(Locale.ROOT, "%7.0f/s", lat.length / (elapsed / 1e9));
        System.out.printf(Locale.ROOT, "BENCH round %d %s %-18s clients %3d: %6d, %s, p50 %7.2f ms, p99 %7.2f ms%n",
                round, side, what, clients, lat.length, rate, lat[lat.length / 2] / 1e6,
                lat[Math.min(lat.length - 1, (int) Math.ceil(lat.length * 0.99) - 1)] / 1e6);
        StringBuilder slowest = new StringBuilder();
        for (int i = Math.max(0, lat.length - 5); i < lat.length; i++) {
            slowest.append(String.format(Locale.ROOT, " %.2f", lat[i] / 1e6));
        }
        System.out.printf(Locale.ROOT, "BENCH round %d %s %-18s slowest (ms):%s%n", round, side, what, slowest);
    }

    /** Through the service over loopback HTTP; each client thread has its own HTTP client. */
    static final class HttpSide implements Side {
        /** The service. */
        private final ServeFixture fixture;
        /** This view's client. */
        private final Api api;

        HttpSide(ChromiumProcess chromium) throws Exception {
            this(ServeFixture.start(chromium, c -> c, dev.tablease.serve.internal.CdpFencing.ENFORCED,
                    ServeBenchmark::store), null);
        }

        private HttpSide(ServeFixture fixture, HttpClient http) {
            this.fixture = fixture;
            this.api = http == null ? fixture.api : new Api(fixture.server.uri(), fixture.server.bearerToken(), http);
        }

        @Override
        public Object acquire(String sessionId, String key) throws Exception {
            Api.Reply g = api.acquire(sessionId, key, "bench", 30_000);
            assertEquals(200, g.status(), g.toString());
            return g;
        }

        @Override
        public void release(String sessionId, Object grant, String outcome) throws Exception {
            Api.Reply r = api.release(sessionId, reply(grant).num("token"), outcome);
            assertEquals(200, r.status(), r.toString());
        }

        @Override
        public Object attach(Object grant) throws Exception {
            return new Attached((Api.Reply) grant, CdpClient.open(((Api.Reply) grant).str("cdpUrl"),
                    fixture.server.bearerToken()));
        }

        @Override
        public void use(Object grant, String mark) throws Exception {
            try (CdpClient cdp = ((Attached) grant).cdp()) {
                cdp.evaluate(script(mark));
            }
        }

        @Override
        public String targetId(Object grant) {
            return reply(grant).str("targetId");
        }

        /** A grant with its lease's CDP socket open. */
        record Attached(Api.Reply reply, CdpClient cdp) {
        }

        private static Api.Reply reply(Object grant) {
            return grant instanceof Attached a ? a.reply() : (Api.Reply) grant;
        }

        @Override
        public Side client() {
            return new HttpSide(fixture, Api.newHttpClient());
        }

        @Override
        public void close() {
            if (api == fixture.api) {
                fixture.close();
            }
        }
    }

    /** Through the Java library in this JVM: one broker on an in-memory store. */
    static final class LibrarySide implements Side {
        /** The store's directory. */
        private final Path dir;
        /** The store. */
        private final KernelStore store;
        /** The broker. */
        private final TabBroker broker;
        /** Whether this view owns the broker. */
        private final boolean owner;

        LibrarySide(ChromiumProcess chromium) throws java.io.IOException {
            this.dir = Files.createTempDirectory("tablease-serve-bench-");
            this.store = store(dir);
            this.broker = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50), store);
            this.owner = true;
        }

        private LibrarySide(LibrarySide of) {
            this.dir = of.dir;
            this.store = of.store;
            this.broker = of.broker;
            this.owner = false;
        }

        @Override
        public Object acquire(String sessionId, String key) throws Exception {
            return broker.acquire(sessionId, key, KernelConfig.DEFAULT_CLASS);
        }

        @Override
        public Object attach(Object grant) {
            return grant;
        }

        @Override
        public void use(Object grant, String mark) {
            ((TabLease) grant).run(p -> p.evaluate(script(mark)));
        }

        @Override
        public String targetId(Object grant) {
            return ((TabLease) grant).targetId();
        }

        @Override
        public void release(String sessionId, Object grant, String outcome) {
            TabLease lease = (TabLease) grant;
            if (outcome.equals("DETACH")) {
                lease.detach();
            } else {
                lease.complete();
            }
        }

        @Override
        public Side client() {
            return new LibrarySide(this);
        }

        @Override
        public void close() {
            if (owner) {
                broker.close();
                store.close();
                ServeFixture.deleteTree(dir);
            }
        }
    }
}

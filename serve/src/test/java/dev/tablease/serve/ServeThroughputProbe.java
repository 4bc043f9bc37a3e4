package dev.tablease.serve;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
 * A first measurement of the service over loopback HTTP (not a benchmark with warm-up rounds and statistics;
 * run by hand): heartbeat round trips with 1, 8 and 64 concurrent clients on one lease, and acquire → release
 * ({@code COMPLETED}) cycles of new sessions on pooled tabs with 1 and 8 clients (each cycle: HTTP, the store,
 * a {@code ResetTab} navigation of the pooled tab in Chromium, the handover). Skipped unless
 * {@code -Dtablease.serve.probe=true}:
 *
 * <pre>mvn -B -pl serve test -Dtest=ServeThroughputProbe -Dtablease.serve.probe=true</pre>
 *
 * Prints one line per case; every answer must be a success (a failed answer fails the probe).
 */
class ServeThroughputProbe {

    private static final long SECONDS = 5;

    @Test
    @Timeout(300)
    void heartbeatsAndAcquireReleaseCycles() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("tablease.serve.probe"), "run with -Dtablease.serve.probe=true");
        KernelConfig kernel = KernelConfig.builder().maxPerKey(1).globalMax(16).queueCapacity(64).build();
        try (ChromiumProcess chromium = ChromiumProcess.start();
             ServeFixture f = ServeFixture.start(chromium, kernel, c -> c)) {
            Api.Reply g = f.api.acquire("beaten", "probe", "probe", 10_000);
            assertEquals(200, g.status(), g.toString());
            long token = g.num("token");
            for (int clients : new int[] {1, 8, 64}) {
                report("heartbeat", clients, run(clients, (api, i, n) -> {
                    Api.Reply r = api.heartbeat("beaten", token);
                    assertEquals(200, r.status(), r.toString());
                }, f));
            }
            for (int clients : new int[] {1, 8}) {
                // warm: one pooled tab per client key
                for (int c = 0; c < clients; c++) {
                    cycle(f.api, "warm-" + clients + "-" + c, "k" + clients + "-" + c);
                }
                final int n = clients;
                report("acquire+release (pooled tab)", clients, run(clients, (api, i, seq) ->
                        cycle(api, "c" + n + "-" + i + "-" + seq, "k" + n + "-" + i), f));
            }
        }
    }

    private static void cycle(Api api, String session, String key) throws Exception {
        Api.Reply g = api.acquire(session, key, "probe", 10_000);
        assertEquals(200, g.status(), g.toString());
        Api.Reply r = api.release(session, g.num("token"), "COMPLETED");
        assertEquals(200, r.status(), r.toString());
    }

    interface Op {
        void call(Api api, int client, int seq) throws Exception;
    }

    /** @return every round trip's latency in nanoseconds, and the elapsed nanoseconds last */
    private static long[] run(int clients, Op op, ServeFixture f) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long t0 = System.nanoTime();
        List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            final int client = c;
            futures.add(CompletableFuture.supplyAsync(() -> {
                Api api = new Api(f.server.uri(), f.server.bearerToken());
                List<Long> lat = new ArrayList<>();
                int seq = 0;
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        op.call(api, client, seq++);
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
            all.addAll(fu.get(SECONDS + 60, TimeUnit.SECONDS));
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

    private static void report(String what, int clients, long[] r) {
        long elapsed = r[r.length - 1];
        long[] lat = Arrays.copyOf(r, r.length - 1);
        Arrays.sort(lat);
        double perSecond = lat.length / (elapsed / 1e9);
        System.out.printf(Locale.ROOT, "PROBE %-30s clients %3d: %7d round trips, %8.0f/s, p50 %6.2f ms, p99 %6.2f ms%n",
                what, clients, lat.length, perSecond, lat[lat.length / 2] / 1e6, lat[(int) (lat.length * 0.99)] / 1e6);
    }
}

package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.trace.TraceCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static dev.tablease.store.StoreFixtures.FAST_KILL_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real JVM processes ({@link StoreWorker}) on one {@link PostgresKernelStore}: contention without lost updates, a
 * queued driver in another JVM woken by {@code NOTIFY}, and {@code kill -9} at random points of several drivers'
 * transitions, after which the whole log is replayed from its first row.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PostgresStoreProcessTest {

    /** The shared server. */
    private static PostgresCluster cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    @Test
    void fourProcessesContendingOnOneDatabase_loseNoUpdate_andKeepTheInvariants() throws Exception {
        String db = cluster.newDatabase();
        int processes = 4;
        int sessionsEach = 150;
        List<Child> children = new ArrayList<>();
        int transitions = 0;
        try {
            for (int w = 0; w < processes; w++) {
                children.add(new Child(dir.resolve("pairs-" + w + ".err"), "pairs", db, Integer.toString(w),
                        Integer.toString(sessionsEach), "true"));
            }
            for (Child c : children) {
                c.await("ready", 60_000);
            }
            for (Child c : children) {
                c.send("go");
            }
            for (Child c : children) {
                transitions += Integer.parseInt(c.await("done", 180_000).split(" ")[1]);
                assertEquals(0, c.process.waitFor());
            }
            assertEquals(processes * (2 * sessionsEach + 1), transitions);
        } finally {
            children.forEach(Child::close);
        }
        try (PostgresKernelStore store = PostgresKernelStore.open(db, CONFIG)) {
            KernelState s = store.snapshot();
            assertEquals(1 + processes * sessionsEach, s.nextRequestId(), "one request id per Acquire, none lost");
            assertEquals(1 + processes * sessionsEach, s.nextToken(), "one token per grant, none lost");
            assertEquals(List.of(), s.sessions());
            assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
            assertEquals(transitions, replayWholeLog(store, new HashMap<>()).rows(), "one row per transition");
        }
    }

    @Test
    void aQueuedDriverInAnotherJvm_learnsOfItsGrantByNotification_withoutPolling() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = PostgresKernelStore.open(db, CONFIG);
             Child waiter = new Child(dir.resolve("waiter.err"), "waitgrant", db, "s1")) {
            SharedLeaseKernel.Step step = store.apply(now -> new Input.Acquire(now, "s1", "k", "send", KernelConfig.DEFAULT_CLASS));
            Decision.OpenTab open = step.decisions().stream().filter(Decision.OpenTab.class::isInstance)
                    .map(Decision.OpenTab.class::cast).findFirst().orElseThrow();
            Decision.Granted mine = StoreFixtures.granted(store.apply(now -> new Input.TabOpened(now, open.tabId(), "t")), "s1");
            assertNotNull(mine);
            waiter.await("queued", 60_000);
            Thread.sleep(500);
            assertTrue(waiter.process.isAlive(), "still waiting");
            long start = System.nanoTime();
            Decision.Granted next = StoreFixtures.granted(
                    store.apply(now -> new Input.Release(now, "s1", mine.token(), Outcome.DETACH)), "s1");
            assertNotNull(next, "the release grants the queued driver");
            String[] granted = waiter.await("granted", 30_000).split(" ");
            long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(next.token(), Long.parseLong(granted[1]));
            assertTrue(latency < 10_000, "woken by the NOTIFY (its wait is 120 s): " + latency + " ms");
            assertEquals(0, waiter.process.waitFor());
        }
    }

    /**
     * Three driver processes, each on its own session, fenced-write and heartbeat in a loop; one of them is killed
     * with SIGKILL in turn (three times in four within 40 ms of a committed write, once in four anywhere) and
     * restarted. Then: the log has no gap and replays from its first row with the invariants after every step; every
     * write a driver saw committed is in it; tokens, tab ids and request ids never repeat; every lease of a killed
     * driver ended by missed heartbeats, never otherwise.
     */
    @Test
    void aHundredKillNineAtRandomPoints_loseNoCommittedTransition_andDeadLeasesEndByMissedHeartbeatsOnly()
            throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore create = PostgresKernelStore.open(db, FAST_KILL_CONFIG)) {
            create.apply(Input.Tick::new);
        }
        int drivers = 3;
        int kills = 100;
        Random random = new Random(17);
        Child[] running = new Child[drivers];
        Set<Long> killedPids = new HashSet<>();
        Map<String, Set<Long>> committed = new HashMap<>();
        int round = 0;
        long started = System.nanoTime();
        try {
            for (int v = 0; v < drivers; v++) {
                running[v] = victim(db, v, round++, "1000000");
            }
            for (int k = 0; k < kills; k++) {
                int v = k % drivers;
                Child c = running[v];
                if (k % 4 == 3) {
                    Thread.sleep(random.nextInt(300));
                } else {
                    c.await("committed", 60_000);
                    Thread.sleep(random.nextInt(40));
                }
                killedPids.add(c.process.pid());
                assertTrue(c.process.toHandle().destroyForcibly());
                assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
                collect("v" + v, c.finish(30_000), committed);
                running[v] = victim(db, v, round++, "1000000");
            }
            for (int v = 0; v < drivers; v++) { // the last driver of each session: a short run that releases
                Child c = running[v];
                killedPids.add(c.process.pid());
                assertTrue(c.process.toHandle().destroyForcibly());
                assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
                collect("v" + v, c.finish(30_000), committed);
                Child last = victim(db, v, round++, "20");
                last.await("released", 120_000);
                assertEquals(0, last.process.waitFor());
                collect("v" + v, last.finish(30_000), committed);
            }
        } finally {
            for (Child c : running) {
                if (c != null) {
                    c.close();
                }
            }
        }
        long killing = System.nanoTime() - started;
        try (PostgresKernelStore store = PostgresKernelStore.open(db, FAST_KILL_CONFIG)) {
            Map<Long, String> holderOfToken = new HashMap<>();
            Replay r = replayWholeLog(store, holderOfToken);
            for (Map.Entry<String, Set<Long>> e : committed.entrySet()) {
                Set<Long> missing = new HashSet<>(e.getValue());
                missing.removeAll(r.writes().getOrDefault(e.getKey(), Set.of()));
                assertEquals(Set.of(), missing, e.getKey() + ": writes a driver saw committed are missing from the log");
            }
            int deadLeases = 0;
            for (Map.Entry<Long, String> e : holderOfToken.entrySet()) {
                long pid = Long.parseLong(e.getValue().substring("victim ".length()));
                RevokeReason revoked = r.revoked().get(e.getKey());
                if (killedPids.contains(pid) && !r.released().contains(e.getKey())) {
                    deadLeases++;
                    assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked,
                            "the lease " + e.getKey() + " of killed driver " + pid + " ended by missed heartbeats");
                }
                if (revoked != null) {
                    assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked, "no lease ended otherwise");
                }
            }
            assertTrue(store.snapshot().sessions().stream().allMatch(s -> s.lease() == null), "every last driver released");
            System.out.println("postgres kill test: " + (kills + drivers) + " kills, " + r.rows() + " rows replayed, "
                    + holderOfToken.size() + " leases granted, " + deadLeases + " dead leases ended by missed heartbeats; "
                    + TimeUnit.NANOSECONDS.toSeconds(killing) + " s");
            assertTrue(deadLeases >= kills / 2, "only " + deadLeases + " kills left a lease to reclaim");
        }
    }

    private Child victim(String db, int v, int round, String iterations) throws Exception {
        return new Child(dir.resolve("victim-" + round + ".err"), "victim", db, "v" + v, iterations, "fast");
    }

    private static void collect(String session, List<String> lines, Map<String, Set<Long>> committed) {
        for (String l : lines) {
            if (l.startsWith("committed ")) {
                committed.computeIfAbsent(session, s -> new HashSet<>()).add(Long.parseLong(l.substring(10)));
            }
        }
    }

    /** What the replay of the whole log found. */
    private record Replay(int rows, Map<String, Set<Long>> writes, Map<Long, RevokeReason> revoked, Set<Long> released) {
    }

    /**
     * Replays every row from the first on a fresh kernel: consecutive sequence numbers, the recorded decisions,
     * the invariants after every step, counters that never repeat.
     */
    private static Replay replayWholeLog(PostgresKernelStore store, Map<Long, String> holderOfToken) throws Exception {
        TraceCodec codec = new TraceCodec();
        LeaseKernel kernel = new LeaseKernel(store.config());
        Map<String, Set<Long>> writes = new HashMap<>();
        Map<Long, RevokeReason> revoked = new HashMap<>();
        Set<Long> released = new HashSet<>();
        Set<Long> requestIds = new HashSet<>();
        Set<Long> tabIds = new HashSet<>();
        long lastToken = 0;
        long seq = 0;
        while (true) {
            List<LogRow> rows = store.log(seq, 5_000);
            if (rows.isEmpty()) {
                break;
            }
            for (LogRow row : rows) {
                assertEquals(seq + 1, row.seq(), "no gap in the log");
                seq = row.seq();
                Input in = codec.decodeInput(codec.parseObject(row.input()));
                List<Decision> decisions = kernel.apply(in);
                assertEquals(row.decisions(), codec.toJson(decisions), "row " + seq + " replays to its decisions");
                assertEquals(List.of(), InvariantChecker.check(store.config(), kernel.snapshot()), "after row " + seq);
                for (Decision d : decisions) {
                    if (d instanceof Decision.Granted g) {
                        assertTrue(g.token() > lastToken, "tokens never repeat: " + g.token() + " after " + lastToken);
                        lastToken = g.token();
                        assertNull(holderOfToken.put(g.token(), g.holder()));
                        assertTrue(requestIds.add(g.requestId()), "request id " + g.requestId() + " granted twice");
                    } else if (d instanceof Decision.OpenTab o) {
                        assertTrue(tabIds.add(o.tabId()), "tab id " + o.tabId() + " opened twice");
                    } else if (d instanceof Decision.Revoked rv) {
                        assertNull(revoked.put(rv.token(), rv.reason()));
                    } else if (d instanceof Decision.Released rl) {
                        released.add(rl.token());
                    } else if (d instanceof Decision.Updated && in instanceof Input.UpdateSession u) {
                        writes.computeIfAbsent(u.sessionId(), s -> new HashSet<>())
                                .add(Long.parseLong(u.conversationUrl().substring(StoreWorker.URL_PREFIX.length())));
                    }
                }
            }
        }
        assertEquals(store.snapshot(), kernel.snapshot(), "the replay from the first row reaches the store's state");
        return new Replay((int) seq, writes, revoked, released);
    }
}

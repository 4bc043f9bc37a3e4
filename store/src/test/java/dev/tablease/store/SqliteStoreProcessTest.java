package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.trace.TraceCodec;
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
 * Real JVM processes on one {@link SqliteKernelStore}: contention without lost updates, and {@code kill -9} at
 * random points of several processes' transitions, after which the whole log is replayed from its first row.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SqliteStoreProcessTest {

    @TempDir
    Path dir;

    @Test
    void fourProcessesContendingOnOneDatabase_loseNoUpdate_andKeepTheInvariants() throws Exception {
        Path db = dir.resolve("tablease.db");
        int processes = 4;
        int sessionsEach = 150;
        List<Child> children = new ArrayList<>();
        int transitions = 0;
        try {
            for (int w = 0; w < processes; w++) {
                children.add(new Child(dir.resolve("pairs-" + w + ".err"), "pairs", db.toString(), Integer.toString(w),
                        Integer.toString(sessionsEach), "false"));
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
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG)) {
            KernelState s = store.snapshot();
            assertEquals(1 + processes * sessionsEach, s.nextRequestId(), "one request id per Acquire, none lost");
            assertEquals(1 + processes * sessionsEach, s.nextToken(), "one token per grant, none lost");
            assertEquals(List.of(), s.sessions());
            assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
            assertEquals(transitions, replayWholeLog(store, new HashMap<>()).rows(), "one row per transition");
        }
    }

    /**
     * Three driver processes, each on its own session, fenced-write and heartbeat in a loop; one of them is killed
     * with SIGKILL in turn, three times in four while it works (within 40 ms of a committed write: mid-transaction
     * or between two), once in four wherever it is (starting, waiting for the dead driver's lease), and restarted. Then: the log has no gap and replays from its first row
     * with the invariants after every step; every write a driver saw committed is in it; tokens, tab ids and
     * request ids never repeat; and every lease of a killed driver ended by missed heartbeats, never otherwise.
     */
    @Test
    void aHundredKillNineAtRandomPoints_loseNoCommittedTransition_andDeadLeasesEndByMissedHeartbeatsOnly()
            throws Exception {
        Path db = dir.resolve("kill.db");
        try (SqliteKernelStore create = SqliteKernelStore.open(db, FAST_KILL_CONFIG)) {
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
                running[v] = victim(v, round++, "1000000");
            }
            for (int k = 0; k < kills; k++) {
                int v = k % drivers;
                Child c = running[v];
                if (k % 4 == 3) {
                    Thread.sleep(random.nextInt(300)); // anywhere: starting, waiting for the dead lease, working
                } else {
                    c.await("committed", 60_000); // working: fenced writes and heartbeats in flight
                    Thread.sleep(random.nextInt(40));
                }
                killedPids.add(c.process.pid());
                // SIGKILL through the ProcessHandle (Process.destroyForcibly would close our end of its stdout)
                assertTrue(c.process.toHandle().destroyForcibly());
                assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
                collect("v" + v, c.finish(30_000), committed);
                running[v] = victim(v, round++, "1000000");
            }
            for (int v = 0; v < drivers; v++) { // the last driver of each session: a short run that releases
                Child c = running[v];
                killedPids.add(c.process.pid());
                assertTrue(c.process.toHandle().destroyForcibly());
                assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
                collect("v" + v, c.finish(30_000), committed);
                Child last = victim(v, round++, "20");
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
        try (SqliteKernelStore store = SqliteKernelStore.open(db, FAST_KILL_CONFIG)) {
            Map<Long, String> holderOfToken = new HashMap<>();
            long replayStart = System.nanoTime();
            Replay r = replayWholeLog(store, holderOfToken);
            long replaying = System.nanoTime() - replayStart;
            for (Map.Entry<String, Set<Long>> e : committed.entrySet()) {
                Set<Long> inLog = r.writes().getOrDefault(e.getKey(), Set.of());
                Set<Long> missing = new HashSet<>(e.getValue());
                missing.removeAll(inLog);
                assertEquals(Set.of(), missing, e.getKey() + ": writes a driver saw committed are missing from the log");
            }
            int deadLeases = 0;
            for (Map.Entry<Long, String> e : holderOfToken.entrySet()) {
                long pid = Long.parseLong(e.getValue().substring("victim ".length()));
                RevokeReason revoked = r.revoked().get(e.getKey());
                boolean released = r.released().contains(e.getKey());
                if (killedPids.contains(pid) && !released) {
                    deadLeases++;
                    assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked,
                            "the lease " + e.getKey() + " of killed driver " + pid + " ended by missed heartbeats");
                }
                if (revoked != null) {
                    assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked, "no lease ended otherwise");
                }
            }
            KernelState end = store.snapshot();
            assertTrue(end.sessions().stream().allMatch(s -> s.lease() == null), "every last driver released");
            System.out.println("sqlite kill test: " + (kills + drivers) + " kills, " + r.rows() + " rows replayed, "
                    + holderOfToken.size() + " leases granted, " + deadLeases + " dead leases ended by missed heartbeats; kills took "
                    + TimeUnit.NANOSECONDS.toSeconds(killing) + " s, the checked replay " + TimeUnit.NANOSECONDS.toSeconds(replaying) + " s");
            assertTrue(deadLeases >= kills / 2, "only " + deadLeases + " kills left a lease to reclaim");
        }
    }

    private Child victim(int v, int round, String iterations) throws Exception {
        return new Child(dir.resolve("victim-" + round + ".err"), "victim", dir.resolve("kill.db").toString(), "v" + v,
                iterations, "fast");
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
    private static Replay replayWholeLog(SqliteKernelStore store, Map<Long, String> holderOfToken) throws Exception {
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
                        String url = u.conversationUrl();
                        writes.computeIfAbsent(u.sessionId(), s -> new HashSet<>())
                                .add(Long.parseLong(url.substring(StoreWorker.URL_PREFIX.length())));
                    }
                }
            }
        }
        assertNotNull(kernel.snapshot());
        assertEquals(store.snapshot(), kernel.snapshot(), "the replay from the first row reaches the store's state");
        return new Replay((int) seq, writes, revoked, released);
    }
}

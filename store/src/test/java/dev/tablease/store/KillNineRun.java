package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.trace.TraceCodec;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code kill -9} run of a database shared by processes, the same for SQLite and PostgreSQL: three driver
 * processes ({@code StoreWorker victim}), each on its own session, fenced-write and heartbeat in a loop; one of them
 * is killed with SIGKILL in turn, a hundred times (three times in four within 40 ms of a committed write:
 * mid-transaction or between two; once in four wherever it is: starting, waiting for the dead driver's lease), and
 * restarted; then each session's last driver runs briefly and releases. Then the whole log is replayed from its
 * first row ({@link #replayWholeLog}) and checked: every write a driver saw committed is in it, and every lease of
 * a killed driver ended by missed heartbeats, never otherwise.
 */
final class KillNineRun {

    private static final int DRIVERS = 3;
    private static final int KILLS = 100;

    private KillNineRun() {
    }

    /**
     * @param dir   where the children's stderr goes
     * @param db    the database as {@code StoreWorker} opens it (a file or a JDBC URL)
     * @param label names the database in the summary line
     * @param open  opens the store afterwards, to replay its log
     */
    static void killDriversAndCheck(Path dir, String db, String label, Supplier<InputLogStore> open) throws Exception {
        Random random = new Random(17);
        Child[] running = new Child[DRIVERS];
        Set<Long> killedPids = new HashSet<>();
        Map<String, Set<Long>> committed = new HashMap<>();
        int round = 0;
        long started = System.nanoTime();
        try {
            for (int v = 0; v < DRIVERS; v++) {
                running[v] = victim(dir, db, v, round++, "1000000");
            }
            for (int k = 0; k < KILLS; k++) {
                int v = k % DRIVERS;
                Child c = running[v];
                if (k % 4 == 3) {
                    Thread.sleep(random.nextInt(300)); // anywhere: starting, waiting for the dead lease, working
                } else {
                    c.await("committed", 60_000); // working: fenced writes and heartbeats in flight
                    Thread.sleep(random.nextInt(40));
                }
                kill(c, killedPids);
                collect("v" + v, c.finish(30_000), committed);
                running[v] = victim(dir, db, v, round++, "1000000");
            }
            for (int v = 0; v < DRIVERS; v++) { // the last driver of each session: a short run that releases
                Child c = running[v];
                kill(c, killedPids);
                collect("v" + v, c.finish(30_000), committed);
                Child last = victim(dir, db, v, round++, "20");
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
        try (InputLogStore store = open.get()) {
            Map<Long, String> holderOfToken = new HashMap<>();
            long replayStart = System.nanoTime();
            Replay r = replayWholeLog(store, holderOfToken);
            long replaying = System.nanoTime() - replayStart;
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
            System.out.println(label + " kill test: " + (KILLS + DRIVERS) + " kills, " + r.rows() + " rows replayed, "
                    + holderOfToken.size() + " leases granted, " + deadLeases + " dead leases ended by missed heartbeats; "
                    + "kills took " + TimeUnit.NANOSECONDS.toSeconds(killing) + " s, the checked replay "
                    + TimeUnit.NANOSECONDS.toSeconds(replaying) + " s");
            assertTrue(deadLeases >= KILLS / 2, "only " + deadLeases + " kills left a lease to reclaim");
        }
    }

    private static Child victim(Path dir, String db, int v, int round, String iterations) throws Exception {
        return new Child(dir.resolve("victim-" + round + ".err"), "victim", db, "v" + v, iterations, "fast");
    }

    /** SIGKILL through the ProcessHandle (Process.destroyForcibly would close our end of its stdout). */
    private static void kill(Child c, Set<Long> killedPids) throws InterruptedException {
        killedPids.add(c.process.pid());
        assertTrue(c.process.toHandle().destroyForcibly());
        assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
    }

    private static void collect(String session, List<String> lines, Map<String, Set<Long>> committed) {
        for (String l : lines) {
            if (l.startsWith("committed ")) {
                committed.computeIfAbsent(session, s -> new HashSet<>()).add(Long.parseLong(l.substring(10)));
            }
        }
    }

    /** What the replay of the whole log found. */
    record Replay(int rows, Map<String, Set<Long>> writes, Map<Long, RevokeReason> revoked, Set<Long> released) {
    }

    /**
     * Replays every row from the first on a fresh kernel: consecutive sequence numbers, the recorded decisions,
     * the invariants after every step, counters that never repeat; the replay reaches the store's state.
     *
     * @param holderOfToken filled with each granted token's holder
     */
    static Replay replayWholeLog(InputLogStore store, Map<Long, String> holderOfToken) throws Exception {
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

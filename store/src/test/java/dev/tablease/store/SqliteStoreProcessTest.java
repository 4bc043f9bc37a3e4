package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static dev.tablease.store.StoreFixtures.FAST_KILL_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
            assertEquals(transitions, KillNineRun.replayWholeLog(store, new HashMap<>()).rows(), "one row per transition");
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
        KillNineRun.killDriversAndCheck(dir, db.toString(), "sqlite", () -> SqliteKernelStore.open(db, FAST_KILL_CONFIG));
    }
}

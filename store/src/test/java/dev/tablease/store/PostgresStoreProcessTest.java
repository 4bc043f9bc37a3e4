package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
            assertEquals(transitions, KillNineRun.replayWholeLog(store, new HashMap<>()).rows(), "one row per transition");
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
        KillNineRun.killDriversAndCheck(dir, db, "postgres", () -> PostgresKernelStore.open(db, FAST_KILL_CONFIG));
    }
}

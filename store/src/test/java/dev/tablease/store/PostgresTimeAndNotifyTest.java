package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.trace.TraceCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.tablease.store.PostgresKernelStoreTest.countOn;
import static dev.tablease.store.PostgresKernelStoreTest.exec;
import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PostgresKernelStore}'s time comes from the database (hosts whose clocks are an hour off change nothing;
 * time never goes backwards), and {@code LISTEN}/{@code NOTIFY} wakes a waiter in another instance when a
 * transition commits, so a queued driver learns of its grant without polling.
 */
@Timeout(120)
class PostgresTimeAndNotifyTest {

    /** An hour, in ms. */
    private static final long HOUR = 3_600_000;
    /** The shared server. */
    private static PostgresCluster cluster;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    private static PostgresKernelStore open(String db, MillisClock hostClock) {
        return PostgresKernelStore.open(db, new Properties(), CONFIG, hostClock, PostgresKernelStore.Options.defaults());
    }

    /** @return the database's clock now, ms */
    private static long dbMillis(String db) throws Exception {
        return countOn(db, PostgresKernelStore.NOW_SQL);
    }

    /** Acquire (and TabOpened when a tab is opened) for {@code sessionId}; @return its grant */
    private static Decision.Granted acquire(KernelStore store, String sessionId, String holder) {
        SharedLeaseKernel.Step step = store.apply(now -> new Input.Acquire(now, sessionId, "k", holder, KernelConfig.DEFAULT_CLASS));
        Decision.Granted g = StoreFixtures.granted(step, sessionId);
        for (Decision d : step.decisions()) {
            if (g == null && d instanceof Decision.OpenTab open) {
                g = StoreFixtures.granted(store.apply(now -> new Input.TabOpened(now, open.tabId(), "t" + open.tabId())), sessionId);
            }
        }
        assertNotNull(g, "granted: " + step.decisions());
        return g;
    }

    @Test
    void hostsWhoseClocksAreAnHourAheadAndBehind_shareTheDatabasesTimeLine_soNoLeaseExpiresEarly() throws Exception {
        String db = cluster.newDatabase();
        long timeout = CONFIG.heartbeatIntervalMillis() * CONFIG.missedHeartbeats(); // 180 s
        try (PostgresKernelStore ahead = open(db, () -> System.currentTimeMillis() + HOUR);
             PostgresKernelStore behind = open(db, () -> System.currentTimeMillis() - HOUR)) {
            long before = dbMillis(db);
            Decision.Granted g = acquire(ahead, "s1", "host A");
            long after = dbMillis(db);
            assertTrue(g.expiresAt() >= before + timeout && g.expiresAt() <= after + timeout,
                    "expiresAt " + g.expiresAt() + " is the database's now + 180 s, in [" + (before + timeout) + ", "
                            + (after + timeout) + "]");

            before = dbMillis(db);
            SharedLeaseKernel.Step beat = behind.apply(now -> new Input.Heartbeat(now, "s1", g.token()));
            after = dbMillis(db);
            Decision.Extended extended = beat.decisions().stream().filter(Decision.Extended.class::isInstance)
                    .map(Decision.Extended.class::cast).findFirst().orElseThrow(() -> new AssertionError(beat.decisions()));
            assertTrue(extended.expiresAt() >= before + timeout && extended.expiresAt() <= after + timeout,
                    "a heartbeat from the host an hour behind extends by 180 s of the database's time, not less");

            SharedLeaseKernel.Step tick = ahead.apply(Input.Tick::new);
            assertTrue(tick.decisions().stream().noneMatch(Decision.Revoked.class::isInstance),
                    "the host an hour ahead does not expire the lease: " + tick.decisions());
            Session s = ahead.snapshot().sessions().get(0);
            assertEquals(g.token(), s.lease().token(), "the lease is still held");

            assertEquals(HOUR, ahead.hostClockSkewMillis(), 10_000, "the skew is seen (for diagnostics)");
            assertEquals(-HOUR, behind.hostClockSkewMillis(), 10_000);
            long end = dbMillis(db);
            for (LogRow row : ahead.log(0, 100)) {
                assertTrue(row.now() <= end && row.now() > end - 60_000, "row " + row.seq() + " has the database's now");
            }
        }
    }

    @Test
    void nowNeverGoesBackwards_aRowAheadOfTheDatabasesClockHoldsTimeAtItsNow() throws Exception {
        String db = cluster.newDatabase();
        TraceCodec codec = new TraceCodec();
        try (PostgresKernelStore store = open(db, MillisClock.system())) {
            store.apply(Input.Tick::new);
            // another writer (say, a server whose clock was ahead before a failover) appended a row 10 min ahead
            LeaseKernel k = new LeaseKernel(CONFIG);
            k.apply(codec.decodeInput(codec.parseObject(store.log(0, 1).get(0).input())));
            long future = dbMillis(db) + 600_000;
            Input.Tick ahead = new Input.Tick(future);
            List<Decision> decisions = k.apply(ahead);
            exec(db, "INSERT INTO tablease_log (seq, now, input, decisions) VALUES (2, " + future + ", '"
                    + codec.toJson(ahead) + "', '" + codec.toJson(decisions) + "')", "UPDATE tablease_head SET seq = 2");
            assertEquals(future, store.apply(Input.Tick::new).inputs().get(0).now(), "max(database clock, lastNow)");
        }
    }

    @Test
    void aCommitWakesAWaiterInAnotherInstance_withoutPolling() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore writer = open(db, MillisClock.system());
             PostgresKernelStore waiter = open(db, MillisClock.system())) {
            writer.apply(Input.Tick::new);
            long head = waiter.headSeq();
            assertEquals(1, head);
            CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() -> waiter.awaitChange(head, Duration.ofSeconds(60)));
            Thread.sleep(500);
            assertFalse(woke.isDone(), "nothing was committed: the waiter still waits");
            long start = System.nanoTime();
            writer.apply(Input.Tick::new);
            assertEquals(2, woke.get(20, TimeUnit.SECONDS));
            long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(latency < 5_000, "woken by the NOTIFY, not by the 60 s timeout: " + latency + " ms");

            assertEquals(2, waiter.awaitChange(1, Duration.ofSeconds(60)), "already past: returns at once");
            long t = System.nanoTime();
            assertEquals(2, waiter.awaitChange(2, Duration.ofMillis(300)), "nothing new: the timeout");
            assertTrue(System.nanoTime() - t >= TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    @Test
    void aQueuedDriverInAnotherInstance_learnsOfItsGrantByNotification() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore first = open(db, MillisClock.system());
             PostgresKernelStore second = open(db, MillisClock.system())) {
            Decision.Granted g = acquire(first, "s1", "send");
            SharedLeaseKernel.Step queued = second.apply(now -> new Input.Acquire(now, "s1", "k", "poll", KernelConfig.DEFAULT_CLASS));
            assertTrue(queued.decisions().stream().anyMatch(Decision.Queued.class::isInstance), queued.decisions().toString());
            CompletableFuture<Long> grant = CompletableFuture.supplyAsync(() -> {
                long seen = second.headSeq();
                while (true) {
                    seen = second.awaitChange(seen, Duration.ofSeconds(60));
                    Session s = second.snapshot().sessions().get(0);
                    if (s.lease() != null && s.lease().holder().equals("poll")) {
                        return s.lease().token();
                    }
                }
            });
            Thread.sleep(300);
            assertFalse(grant.isDone());
            SharedLeaseKernel.Step released = first.apply(now -> new Input.Release(now, "s1", g.token(), Outcome.DETACH));
            Decision.Granted next = StoreFixtures.granted(released, "s1");
            assertNotNull(next, "the release hands the lease to the waiting driver: " + released.decisions());
            assertEquals(next.token(), grant.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingTheStore_endsAWaitInProgress() throws Exception {
        String db = cluster.newDatabase();
        PostgresKernelStore store = open(db, MillisClock.system());
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> store.awaitChange(0, Duration.ofSeconds(60)));
        Thread.sleep(300);
        store.close();
        try {
            waiting.get(20, TimeUnit.SECONDS);
            throw new AssertionError("the wait should fail once the store is closed");
        } catch (java.util.concurrent.ExecutionException e) {
            assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
        }
    }
}

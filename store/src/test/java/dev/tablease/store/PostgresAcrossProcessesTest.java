package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.trace.TraceCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.tablease.store.PostgresKernelStoreTest.countOn;
import static dev.tablease.store.PostgresKernelStoreTest.exec;
import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group commit across processes ({@code docs/store.md}, "Group commit across processes"): instances (each
 * standing for a process: its own connection and kernel) queue their inputs while another holds the head row's
 * lock, and one leader decides them all in one transaction; a refusal reaches its own caller; a verdict that does
 * not come in time withdraws the input; an input queued by a process that died is decided all the same.
 */
@Timeout(120)
class PostgresAcrossProcessesTest {

    /** The shared server. */
    private static PostgresCluster cluster;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    private static PostgresKernelStore open(String db, PostgresKernelStore.Options options) {
        return PostgresKernelStore.open(db, new Properties(), CONFIG, MillisClock.system(), options);
    }

    /** Holds the head row's lock on a connection of its own, as a transition of another process would. */
    private static Connection holdHeadLock(String db) throws Exception {
        Connection c = DriverManager.getConnection(db);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT seq FROM tablease_head WHERE id = 1 FOR UPDATE");
        }
        return c;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static long queued(String db) {
        try {
            return countOn(db, "SELECT count(*) FROM tablease_pending WHERE seq IS NULL");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** @return whether the step grants {@code sessionId} a pooled tab or opens one for it */
    private static boolean grantedOrOpening(SharedLeaseKernel.Step step, String sessionId) {
        return StoreFixtures.granted(step, sessionId) != null
                || step.decisions().stream().anyMatch(d -> d instanceof Decision.OpenTab);
    }

    /** Two instances queue while the lock is held; when it is released, one of them decides both. */
    private static void twoQueuedInputs(PostgresKernelStore.Options options, boolean expectOneLeader) throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore a = open(db, options); PostgresKernelStore b = open(db, options)) {
            StoreFixtures.acquireAndRelease(a, "warm-a", "ka", "a"); // both instances have their kernels loaded
            b.snapshot();
            long before = a.headSeq();
            CompletableFuture<SharedLeaseKernel.Step> fromA, fromB;
            try (Connection lock = holdHeadLock(db)) {
                fromA = CompletableFuture.supplyAsync(() -> a.apply(now -> new Input.Acquire(now, "sa", "ka", "a", KernelConfig.DEFAULT_CLASS)));
                fromB = CompletableFuture.supplyAsync(() -> b.apply(now -> new Input.Acquire(now, "sb", "kb", "b", KernelConfig.DEFAULT_CLASS)));
                if (expectOneLeader) {
                    await(() -> queued(db) == 2, "both inputs queued while the lock is held");
                } else {
                    Thread.sleep(300);
                    assertEquals(0, queued(db), "each alone queues nothing");
                }
                lock.commit();
            }
            SharedLeaseKernel.Step sa = fromA.get(20, TimeUnit.SECONDS);
            SharedLeaseKernel.Step sb = fromB.get(20, TimeUnit.SECONDS);
            assertEquals("sa", ((Input.Acquire) sa.inputs().get(sa.inputs().size() - 1)).sessionId());
            assertEquals("sb", ((Input.Acquire) sb.inputs().get(sb.inputs().size() - 1)).sessionId());
            assertTrue(grantedOrOpening(sa, "sa"), "a's step: " + sa.decisions());
            assertTrue(grantedOrOpening(sb, "sb"), "b's step: " + sb.decisions());
            assertEquals(before + 2, a.headSeq(), "one row each");
            assertEquals(a.snapshot(), b.snapshot(), "both instances reach the same state");
            long nows = countOn(db, "SELECT count(DISTINCT now) FROM tablease_log WHERE seq > " + before);
            assertEquals(expectOneLeader ? 1 : 2, a.decidedForOthers() + b.decidedForOthers() + (expectOneLeader ? 0 : 2),
                    "inputs one instance decided for the other");
            if (expectOneLeader) {
                assertEquals(1, nows, "one transaction: one now");
            }
            assertEquals(0, countOn(db, "SELECT count(*) FROM tablease_pending"), "every queued input's row is gone");
        }
    }

    @Test
    void inputsQueuedByTwoInstancesWhileTheLockIsHeld_areDecidedByOneLeaderInOneTransaction() throws Exception {
        twoQueuedInputs(PostgresKernelStore.Options.defaults().withAcrossProcesses(true), true);
    }

    @Test
    void brokenVariant_instancesThatEachDecideAlone_queueNothingAndDecideNothingForEachOther() throws Exception {
        // the check above fails on this variant: nothing is queued, so its await would time out
        twoQueuedInputs(PostgresKernelStore.Options.defaults().withAcrossProcesses(false), false);
        String db = cluster.newDatabase();
        try (PostgresKernelStore a = open(db, PostgresKernelStore.Options.defaults().withAcrossProcesses(false))) {
            StoreFixtures.acquireAndRelease(a, "s", "k", "a");
            assertEquals(0, a.decidedForOthers());
        }
    }

    @Test
    void anInputRefusedByTheLeader_failsItsOwnCallerWithTheSameTypedError_andNothingElse() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore a = open(db, PostgresKernelStore.Options.defaults().withAcrossProcesses(true));
             PostgresKernelStore b = open(db, PostgresKernelStore.Options.defaults().withAcrossProcesses(true))) {
            StoreFixtures.acquireAndRelease(a, "warm", "k", "a");
            b.snapshot();
            CompletableFuture<SharedLeaseKernel.Step> fromA;
            CompletableFuture<SharedLeaseKernel.Step> fromB;
            try (Connection lock = holdHeadLock(db)) {
                fromB = CompletableFuture.supplyAsync(() -> b.apply(now -> new Input.Acquire(now, "sb", "kb", "b", "no-such-class")));
                await(() -> queued(db) == 1, "b's input queued");
                fromA = CompletableFuture.supplyAsync(() -> a.apply(now -> new Input.Acquire(now, "sa", "ka", "a", KernelConfig.DEFAULT_CLASS)));
                await(() -> queued(db) == 2, "a's input queued");
                lock.commit();
            }
            Exception e = assertThrows(Exception.class, () -> fromB.get(20, TimeUnit.SECONDS));
            InvalidInputException refused = assertInstanceOf(InvalidInputException.class, e.getCause());
            assertEquals(InvalidInputException.Problem.UNKNOWN_REQUEST_CLASS, refused.problem());
            assertTrue(refused.getMessage().contains("no-such-class"), refused.getMessage());
            assertTrue(grantedOrOpening(fromA.get(20, TimeUnit.SECONDS), "sa"));
            assertEquals(a.snapshot(), b.snapshot());
            assertEquals(0, countOn(db, "SELECT count(*) FROM tablease_log WHERE input LIKE '%no-such-class%'"),
                    "the refused input has no row");
        }
    }

    @Test
    void anInputWithoutAVerdictWithinTheLockTimeout_isWithdrawn_retryableAndNotInDoubt() throws Exception {
        String db = cluster.newDatabase();
        PostgresKernelStore.Options shortWait = PostgresKernelStore.Options.defaults().withAcrossProcesses(true).withLockTimeoutMillis(500);
        try (PostgresKernelStore a = open(db, shortWait)) {
            StoreFixtures.acquireAndRelease(a, "warm", "k", "a");
            long before = a.headSeq();
            try (Connection lock = holdHeadLock(db)) {
                StoreDatabaseException e = assertThrows(StoreDatabaseException.class,
                        () -> a.apply(now -> new Input.Acquire(now, "s", "k2", "a", KernelConfig.DEFAULT_CLASS)));
                assertTrue(e.retryable(), e.getMessage());
                assertFalse(e.inDoubt(), e.getMessage());
                assertEquals(0, countOn(db, "SELECT count(*) FROM tablease_pending"), "withdrawn");
                lock.commit();
            }
            assertEquals(before, a.headSeq(), "nothing was decided");
            a.apply(Input.Tick::new);
            assertEquals(before + 1, a.headSeq(), "the store goes on");
        }
    }

    @Test
    void anInputQueuedByAProcessThatDied_isDecidedByTheNextLeader_andReplayedByEveryone() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore a = open(db, PostgresKernelStore.Options.defaults().withAcrossProcesses(true))) {
            StoreFixtures.acquireAndRelease(a, "warm", "k", "a");
            String orphan = new TraceCodec().toJson(new Input.Acquire(0, "orphan", "ko", "dead", KernelConfig.DEFAULT_CLASS));
            exec(db, "INSERT INTO tablease_pending (input) VALUES ('" + orphan.replace("'", "''") + "')");
            long before = a.headSeq();
            a.apply(now -> new Input.Acquire(now, "live", "kl", "a", KernelConfig.DEFAULT_CLASS));
            assertEquals(1, a.decidedForOthers(), "the orphan was decided by the leader");
            assertTrue(a.snapshot().sessions().stream().anyMatch(s -> s.sessionId().equals("orphan")));
            assertEquals(1, countOn(db, "SELECT count(*) FROM tablease_pending WHERE seq IS NOT NULL"),
                    "its verdict waits for a process that will never read it (deleted once stale)");
            assertNotEquals(before, a.headSeq());
            try (PostgresKernelStore fresh = open(db, PostgresKernelStore.Options.defaults().withAcrossProcesses(true))) {
                assertEquals(a.snapshot(), fresh.snapshot(), "a new instance replays the same log");
            }
            List<LogRow> rows = a.log(before, 10);
            assertTrue(rows.stream().anyMatch(r -> r.input().contains("orphan")), "the orphan's row");
        }
    }
}

package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PostgresKernelStore} on a real server ({@link PostgresCluster}, one database per test): the
 * {@link InputLogStoreContract}, then what only PostgreSQL has: the head row, locations without credentials, an
 * unreachable server. Time, notifications and server faults: {@link PostgresTimeAndNotifyTest},
 * {@link PostgresRestartTest}.
 */
@Timeout(120)
class PostgresKernelStoreTest extends InputLogStoreContract {

    /** The shared server. */
    private static PostgresCluster cluster;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    static PostgresKernelStore open(String url, PostgresKernelStore.Options options) {
        return PostgresKernelStore.open(url, new Properties(), CONFIG, MillisClock.system(), options);
    }

    @Override
    String newDatabase() {
        return cluster.newDatabase();
    }

    @Override
    PostgresKernelStore open(String db) {
        return open(db, PostgresKernelStore.Options.defaults());
    }

    @Override
    KernelStore open(String db, int snapshotEvery) {
        return open(db, PostgresKernelStore.Options.defaults().withSnapshotEvery(snapshotEvery));
    }

    @Override
    KernelStore open(String db, KernelConfig config) {
        return PostgresKernelStore.open(db, config);
    }

    @Override
    KernelStore openExisting(String db) {
        return PostgresKernelStore.openExisting(db, new Properties(), MillisClock.system(), PostgresKernelStore.Options.defaults());
    }

    @Override
    List<LogRow> log(KernelStore store) {
        return ((PostgresKernelStore) store).log(0, 1_000);
    }

    @Override
    void sql(String db, String... statements) throws Exception {
        exec(db, statements);
    }

    @Override
    long count(String db, String query) throws Exception {
        return countOn(db, query);
    }

    @Override
    String string(String db, String query) throws Exception {
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    String[] appendRaw(long seq, String input) {
        return new String[]{"INSERT INTO tablease_log (seq, now, input, decisions) VALUES (" + seq + ", 0, '" + input + "', '[]')",
                "UPDATE tablease_head SET seq = " + seq};
    }

    @Override
    void importState(String db, KernelConfig config, KernelState state) {
        PostgresKernelStore.importState(db, new Properties(), config, state, PostgresKernelStore.Options.defaults());
    }

    @Override
    long tableaseTables(String db) throws Exception {
        return countOn(db, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'tablease_%'");
    }

    /** @return the first column of the first row of {@code sql} on {@code url}, as a long (also for the other PostgreSQL tests) */
    static long countOn(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs {@code statements} on {@code url} outside the store (also for the other PostgreSQL tests). */
    static void exec(String url, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    @Test
    void threadsOfOneInstance_decidedTogether_getTheirOwnSteps_oneRowPerInput_andARefusedInputFailsAlone()
            throws Exception {
        String db = cluster.newDatabase();
        int threads = 8;
        int pairs = 20;
        try (PostgresKernelStore store = open(db)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            try {
                List<java.util.concurrent.Future<Integer>> done = StoreFixtures.submitSessions(pool, start, store, threads,
                        pairs);
                java.util.concurrent.Future<Integer> refusals = pool.submit(() -> {
                    start.await();
                    int n = 0;
                    for (int i = 0; i < pairs; i++) {
                        String session = "refused-" + i;
                        assertThrows(InvalidInputException.class,
                                () -> store.apply(now -> new Input.Acquire(now, session, "k", "h", "no-such-class")));
                        n++;
                    }
                    return n;
                });
                start.countDown();
                int transitions = 0;
                for (java.util.concurrent.Future<Integer> f : done) {
                    transitions += f.get();
                }
                assertEquals(pairs, refusals.get());
                KernelState s = store.snapshot();
                assertEquals(1 + threads * pairs, s.nextToken(), "every thread's grants, none lost");
                assertTrue(s.sessions().stream().noneMatch(x -> x.sessionId().startsWith("refused-")),
                        "a refused input wrote nothing");
                long rows = count(db, "SELECT count(*) FROM tablease_log");
                assertEquals(rows, store.headSeq());
                assertTrue(rows >= transitions, rows + " rows for " + transitions + " inputs (and any ticks)");
                try (PostgresKernelStore replayed = open(db)) { // verifyOnOpen replays every row from row 1
                    assertEquals(s, replayed.snapshot());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theHeadRowTracksTheLastRow_andARefusedInputMovesItNot() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            assertEquals(3, store.headSeq());
            assertThrows(InvalidInputException.class, () -> store.apply(now -> new Input.Heartbeat(now - 1_000_000, "s1", 1)));
            assertEquals(3, count(db, "SELECT seq FROM tablease_head"));
        }
    }

    @Test
    void aCorruptRowNamesTheServerWithoutCredentials_andNoFile() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET input = 'x' WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertNull(e.file(), "not a file");
        assertTrue(e.location().startsWith("postgresql://127.0.0.1:"), e.location());
    }

    @Test
    void rowsBeforeTheLastTwoSnapshots_areNotNeeded() throws Exception {
        String db = cluster.newDatabase();
        PostgresKernelStore.Options every4 = PostgresKernelStore.Options.defaults().withSnapshotEvery(4);
        KernelState state;
        try (PostgresKernelStore store = open(db, every4)) {
            for (int i = 0; i < 10; i++) {
                StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
            }
            state = store.snapshot();
        }
        sql(db, "DELETE FROM tablease_log WHERE seq <= 8");
        try (PostgresKernelStore trimmed = open(db, every4)) {
            assertEquals(state, trimmed.snapshot());
        }
    }

    @Test
    void aMissingLastRow_disagreesWithTheHead_andIsRefused() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "DELETE FROM tablease_log WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.SEQUENCE_GAP, e.problem());
        assertEquals("tablease_head", e.table());
        assertEquals(3, e.seq());
    }

    @Test
    void aRowBeyondTheHead_writtenOutsideTheProtocol_isRefusedNamingIt_andNotOverwritten() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            sql(db, "INSERT INTO tablease_log (seq, now, input, decisions) VALUES (4, 0, 'stray', '[]')");
            LogCorruptException live = assertThrows(LogCorruptException.class, () -> store.apply(Input.Tick::new));
            assertEquals(4, live.seq());
            assertEquals("tablease_log", live.table());
        }
        LogCorruptException atOpen = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(4, atOpen.seq());
        assertEquals("stray", string(db, "SELECT input FROM tablease_log WHERE seq = 4"));
        assertEquals(3, count(db, "SELECT seq FROM tablease_head"));
    }

    @Test
    void anUnreachableServer_isARetryableTypedError_naming_theLocationWithoutCredentials() {
        StoreDatabaseException e = assertThrows(StoreDatabaseException.class,
                () -> PostgresKernelStore.open("postgresql://127.0.0.1:1/nowhere?user=u&password=secret", CONFIG));
        assertTrue(e.retryable(), e.getMessage());
        assertEquals("postgresql://127.0.0.1:1/nowhere", e.location());
        assertTrue(!e.getMessage().contains("secret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PostgresKernelStore.open("mysql://x/y", CONFIG));
    }

    @Test
    void optionsRefuseImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> PostgresKernelStore.Options.defaults().withSnapshotEvery(0));
        assertThrows(IllegalArgumentException.class, () -> PostgresKernelStore.Options.defaults().withLockTimeoutMillis(0));
        assertThrows(IllegalArgumentException.class, () -> new PostgresKernelStore.Options(true, 10, 10, 0));
    }
}

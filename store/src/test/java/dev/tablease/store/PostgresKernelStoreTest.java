package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
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
 * {@link PostgresKernelStore} on a real server ({@link PostgresCluster}, one database per test): the log and its
 * snapshots, several instances on one database, refused inputs, corrupt rows, foreign and newer schemas, another
 * config. Time, notifications and server faults: {@link PostgresTimeAndNotifyTest}, {@link PostgresRestartTest}.
 */
@Timeout(120)
class PostgresKernelStoreTest {

    /** The shared server. */
    private static PostgresCluster cluster;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    static PostgresKernelStore open(String url, PostgresKernelStore.Options options) {
        return PostgresKernelStore.open(url, new Properties(), CONFIG, MillisClock.system(), options);
    }

    static PostgresKernelStore open(String url) {
        return open(url, PostgresKernelStore.Options.defaults());
    }

    static long count(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String string(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void sql(String url, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    @Test
    void everyInputIsOneRowOfTheLog_withItsNowAndDecisions_andTheStateSurvivesAReopen() throws Exception {
        String db = cluster.newDatabase();
        KernelState before;
        try (PostgresKernelStore store = open(db)) {
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s1", "k", "h"));
            before = store.snapshot();
            List<PostgresKernelStore.LogRow> rows = store.log(0, 100);
            assertEquals(List.of(1L, 2L, 3L), rows.stream().map(PostgresKernelStore.LogRow::seq).toList());
            assertTrue(rows.get(0).input().contains("\"type\":\"Acquire\""), rows.get(0).input());
            assertTrue(rows.get(0).decisions().contains("\"type\":\"OpenTab\""), rows.get(0).decisions());
            assertEquals(3, store.headSeq());
        }
        try (PostgresKernelStore again = open(db)) {
            assertEquals(before, again.snapshot(), "rebuilt from the log");
            assertEquals(2, StoreFixtures.acquireAndRelease(again, "s2", "k", "h"), "the pooled tab: no TabOpened");
            assertEquals(before.nextToken() + 1, again.snapshot().nextToken(), "the counters go on, never repeat");
        }
        assertEquals(5, count(db, "SELECT count(*) FROM tablease_log"));
        assertEquals(5, count(db, "SELECT seq FROM tablease_head"));
    }

    @Test
    void twoInstancesOnOneDatabase_eachApplyTheOthersRowsFirst_soNoUpdateIsLost() {
        String db = cluster.newDatabase();
        try (PostgresKernelStore a = open(db); PostgresKernelStore b = open(db)) {
            for (int i = 0; i < 20; i++) {
                StoreFixtures.acquireAndRelease(i % 2 == 0 ? a : b, "s" + i, "k" + (i % 3), "h");
            }
            KernelState sa = a.snapshot();
            KernelState sb = b.snapshot();
            assertEquals(sa, sb);
            assertEquals(21, sa.nextRequestId(), "one request id per Acquire, none handed out twice");
            assertEquals(21, sa.nextToken());
            assertEquals(List.of(), InvariantChecker.check(CONFIG, sa));
        }
    }

    @Test
    void snapshotsEveryNRows_boundTheReplay_andAgreeWithTheLog() throws Exception {
        String db = cluster.newDatabase();
        PostgresKernelStore.Options every4 = PostgresKernelStore.Options.defaults().withSnapshotEvery(4);
        KernelState state;
        try (PostgresKernelStore store = open(db, every4)) {
            for (int i = 0; i < 10; i++) {
                StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
            }
            state = store.snapshot();
        }
        long rows = count(db, "SELECT count(*) FROM tablease_log");
        assertEquals(rows / 4, count(db, "SELECT count(*) FROM tablease_snapshot"));
        try (PostgresKernelStore again = open(db, every4)) {
            assertEquals(state, again.snapshot(), "latest snapshot + the rows after it = the whole log");
        }
        sql(db, "DELETE FROM tablease_log WHERE seq <= 8");
        try (PostgresKernelStore trimmed = open(db, every4)) {
            assertEquals(state, trimmed.snapshot(), "the rows before the last two snapshots are not needed");
        }
    }

    @Test
    void anInputTheKernelRefuses_isATypedError_andWritesNothing() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            KernelState before = store.snapshot();
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> store.apply(now -> new Input.Heartbeat(now - 1_000_000, "s1", 1)));
            assertEquals(InvalidInputException.Problem.TIME_WENT_BACKWARDS, e.problem());
            assertThrows(NullPointerException.class, () -> store.apply(now -> null));
            assertEquals(before, store.snapshot());
            assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"));
            assertEquals(3, count(db, "SELECT seq FROM tablease_head"));
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s2", "k2", "h"), "the store goes on");
        }
    }

    @Test
    void aMalformedRow_isRefusedNamingTheRow_andNothingIsOverwritten() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET input = '{\"type\":\"Acquire\",\"now\":' WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.MALFORMED_ROW, e.problem());
        assertEquals(2, e.seq());
        assertEquals("tablease_log", e.table());
        assertNull(e.file(), "not a file");
        assertTrue(e.location().startsWith("postgresql://127.0.0.1:"), e.location());
        assertTrue(e.getMessage().contains("tablease_log row 2"), e.getMessage());
        assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"), "nothing deleted or appended");
    }

    @Test
    void aGapInTheSequence_isRefusedNamingTheMissingRow() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "DELETE FROM tablease_log WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.SEQUENCE_GAP, e.problem());
        assertEquals(2, e.seq());
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
    void recordedDecisionsThatTheReplayDoesNotGive_areRefused() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET decisions = '[]' WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.DECISIONS_DISAGREE, e.problem());
        assertEquals(3, e.seq());
    }

    @Test
    void aSnapshotThatDisagreesWithTheReplay_isRefused() throws Exception {
        String db = cluster.newDatabase();
        PostgresKernelStore.Options every3 = PostgresKernelStore.Options.defaults().withSnapshotEvery(3);
        try (PostgresKernelStore store = open(db, every3)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            StoreFixtures.acquireAndRelease(store, "s2", "k", "h");
        }
        sql(db, "UPDATE tablease_snapshot SET state = replace(state, '\"nextToken\":2', '\"nextToken\":1') WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db, every3));
        assertEquals(LogCorruptException.Problem.SNAPSHOT_DISAGREES, e.problem());
        assertEquals(3, e.seq());
        assertEquals("tablease_snapshot", e.table());
    }

    @Test
    void aCorruptRowAppendedByAnotherProcess_failsTheNextTransition_andIsNotOverwritten() throws Exception {
        String db = cluster.newDatabase();
        try (PostgresKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            sql(db, "INSERT INTO tablease_log (seq, now, input, decisions) VALUES (4, 0, 'not json', '[]')",
                    "UPDATE tablease_head SET seq = 4");
            LogCorruptException e = assertThrows(LogCorruptException.class, () -> store.apply(Input.Tick::new));
            assertEquals(4, e.seq());
            assertEquals(LogCorruptException.Problem.MALFORMED_ROW, e.problem());
            assertThrows(LogCorruptException.class, store::snapshot, "and every read after it");
        }
        assertEquals(4, count(db, "SELECT count(*) FROM tablease_log"));
        assertEquals("not json", string(db, "SELECT input FROM tablease_log WHERE seq = 4"));
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
    void aNewerSchema_aForeignDatabase_andAnotherConfig_areRefused_andLeftAsTheyAre() throws Exception {
        String newer = cluster.newDatabase();
        open(newer).close();
        sql(newer, "UPDATE tablease_meta SET value = '2' WHERE key = 'schema_version'");
        StoreSchemaException n = assertThrows(StoreSchemaException.class, () -> open(newer));
        assertEquals(StoreSchemaException.Problem.NEWER_VERSION, n.problem());

        String foreign = cluster.newDatabase();
        sql(foreign, "CREATE TABLE users (id int PRIMARY KEY)");
        StoreSchemaException f = assertThrows(StoreSchemaException.class, () -> open(foreign));
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA, f.problem());
        assertEquals(0, count(foreign, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'tablease_%'"),
                "nothing created");

        String someoneElsesMeta = cluster.newDatabase();
        sql(someoneElsesMeta, "CREATE TABLE tablease_meta (key text PRIMARY KEY, value text NOT NULL)",
                "INSERT INTO tablease_meta VALUES ('format', 'something-else')");
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA,
                assertThrows(StoreSchemaException.class, () -> open(someoneElsesMeta)).problem());

        String other = cluster.newDatabase();
        open(other).close();
        KernelConfig changed = CONFIG.toBuilder().globalMax(9).build();
        StoreConfigMismatchException m = assertThrows(StoreConfigMismatchException.class,
                () -> PostgresKernelStore.open(other, changed));
        assertEquals(CONFIG, m.fileConfig());
        assertTrue(m.getMessage().contains("globalMax: 8 -> 9"), m.getMessage());
        try (PostgresKernelStore adopted = PostgresKernelStore.openExisting(other, new Properties(), MillisClock.system(),
                PostgresKernelStore.Options.defaults())) {
            assertEquals(CONFIG, adopted.config(), "openExisting adopts the database's config");
        }
        String empty = cluster.newDatabase();
        assertThrows(StoreSchemaException.class, () -> PostgresKernelStore.openExisting(empty, new Properties(),
                MillisClock.system(), PostgresKernelStore.Options.defaults()));
        assertEquals(0, count(empty, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'tablease_%'"),
                "openExisting creates nothing");
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
    void aClosedStore_refusesUse_andOptionsRefuseImpossibleValues() {
        PostgresKernelStore store = open(cluster.newDatabase());
        store.close();
        assertThrows(IllegalStateException.class, () -> store.apply(Input.Tick::new));
        assertThrows(IllegalStateException.class, store::snapshot);
        assertThrows(IllegalArgumentException.class, () -> PostgresKernelStore.Options.defaults().withSnapshotEvery(0));
        assertThrows(IllegalArgumentException.class, () -> PostgresKernelStore.Options.defaults().withLockTimeoutMillis(0));
        assertThrows(IllegalArgumentException.class, () -> new PostgresKernelStore.Options(true, 10, 10, 0));
    }
}

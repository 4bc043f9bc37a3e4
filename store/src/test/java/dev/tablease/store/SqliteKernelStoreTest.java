package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.StoreFixtures.FakeBoot;
import dev.tablease.store.StoreFixtures.FakeWall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SqliteKernelStore} in one process: the log and its snapshots, several instances on one database,
 * refused inputs, corrupt rows, foreign and newer schemas, the time line.
 */
@Timeout(60)
class SqliteKernelStoreTest {

    @TempDir
    Path dir;

    private SqliteKernelStore open(Path db) {
        return SqliteKernelStore.open(db, CONFIG, MillisClock.system(), SqliteKernelStore.Options.defaults().withDurable(false));
    }

    private static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void everyInputIsOneRowOfTheLog_withItsNowAndDecisions_andTheStateSurvivesAReopen() throws Exception {
        Path db = dir.resolve("tablease.db");
        KernelState before;
        try (SqliteKernelStore store = open(db)) {
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s1", "k", "h"));
            before = store.snapshot();
            List<SqliteKernelStore.LogRow> rows = store.log(0, 100);
            assertEquals(List.of(1L, 2L, 3L), rows.stream().map(SqliteKernelStore.LogRow::seq).toList());
            assertTrue(rows.get(0).input().contains("\"type\":\"Acquire\""), rows.get(0).input());
            assertTrue(rows.get(0).decisions().contains("\"type\":\"OpenTab\""), rows.get(0).decisions());
        }
        try (SqliteKernelStore again = open(db)) {
            assertEquals(before, again.snapshot(), "rebuilt from the log");
            assertEquals(2, StoreFixtures.acquireAndRelease(again, "s2", "k", "h"), "the pooled tab: no TabOpened");
            assertEquals(before.nextToken() + 1, again.snapshot().nextToken(), "the counters go on, never repeat");
        }
        assertEquals(5, count(db, "SELECT count(*) FROM tablease_log"));
    }

    @Test
    void twoInstancesOnOneDatabase_eachApplyTheOthersRowsFirst_soNoUpdateIsLost() {
        Path db = dir.resolve("shared.db");
        try (SqliteKernelStore a = open(db); SqliteKernelStore b = open(db)) {
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
        Path db = dir.resolve("snap.db");
        SqliteKernelStore.Options every4 = SqliteKernelStore.Options.defaults().withDurable(false).withSnapshotEvery(4);
        KernelState state;
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every4)) {
            for (int i = 0; i < 10; i++) {
                StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
            }
            state = store.snapshot();
        }
        long rows = count(db, "SELECT count(*) FROM tablease_log");
        assertEquals(rows / 4, count(db, "SELECT count(*) FROM tablease_snapshot"));
        try (SqliteKernelStore again = SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every4)) {
            assertEquals(state, again.snapshot(), "latest snapshot + the rows after it = the whole log");
        }
    }

    @Test
    void anInputTheKernelRefuses_isATypedError_andWritesNothing() throws Exception {
        Path db = dir.resolve("refuse.db");
        try (SqliteKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            KernelState before = store.snapshot();
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> store.apply(now -> new Input.Heartbeat(now - 1_000_000, "s1", 1)));
            assertEquals(InvalidInputException.Problem.TIME_WENT_BACKWARDS, e.problem());
            assertThrows(NullPointerException.class, () -> store.apply(now -> null));
            assertEquals(before, store.snapshot());
            assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"));
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s2", "k2", "h"), "the store goes on");
        }
    }

    @Test
    void aMalformedRow_isRefusedNamingTheRow_andNothingIsOverwritten() throws Exception {
        Path db = dir.resolve("malformed.db");
        try (SqliteKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET input = '{\"type\":\"Acquire\",\"now\":' WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.MALFORMED_ROW, e.problem());
        assertEquals(2, e.seq());
        assertEquals("tablease_log", e.table());
        assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"), "nothing deleted or appended");
    }

    @Test
    void aGapInTheSequence_isRefusedNamingTheMissingRow() throws Exception {
        Path db = dir.resolve("gap.db");
        try (SqliteKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "DELETE FROM tablease_log WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.SEQUENCE_GAP, e.problem());
        assertEquals(2, e.seq());
    }

    @Test
    void recordedDecisionsThatTheReplayDoesNotGive_areRefused() throws Exception {
        Path db = dir.resolve("decisions.db");
        try (SqliteKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET decisions = '[]' WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.DECISIONS_DISAGREE, e.problem());
        assertEquals(3, e.seq());
    }

    @Test
    void aSnapshotThatDisagreesWithTheReplay_isRefused() throws Exception {
        Path db = dir.resolve("snapshot.db");
        SqliteKernelStore.Options every3 = SqliteKernelStore.Options.defaults().withDurable(false).withSnapshotEvery(3);
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every3)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            StoreFixtures.acquireAndRelease(store, "s2", "k", "h");
        }
        sql(db, "UPDATE tablease_snapshot SET state = replace(state, '\"nextToken\":2', '\"nextToken\":1') WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class,
                () -> SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every3));
        assertEquals(LogCorruptException.Problem.SNAPSHOT_DISAGREES, e.problem());
        assertEquals(3, e.seq());
    }

    @Test
    void aCorruptRowAppendedByAnotherProcess_failsTheNextTransition_andIsNotOverwritten() throws Exception {
        Path db = dir.resolve("live.db");
        try (SqliteKernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            sql(db, "INSERT INTO tablease_log (seq, now, input, decisions) VALUES (4, 0, 'not json', '[]')");
            LogCorruptException e = assertThrows(LogCorruptException.class, () -> store.apply(Input.Tick::new));
            assertEquals(4, e.seq());
            assertThrows(LogCorruptException.class, store::snapshot, "and every read after it");
        }
        assertEquals(4, count(db, "SELECT count(*) FROM tablease_log"));
        assertEquals("not json", stringAt(db, "SELECT input FROM tablease_log WHERE seq = 4"));
    }

    private static String stringAt(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aNewerSchema_aForeignDatabase_andAnotherConfig_areRefused_andLeftAsTheyAre() throws Exception {
        Path newer = dir.resolve("newer.db");
        open(newer).close();
        sql(newer, "UPDATE tablease_meta SET value = '2' WHERE key = 'schema_version'");
        StoreSchemaException n = assertThrows(StoreSchemaException.class, () -> open(newer));
        assertEquals(StoreSchemaException.Problem.NEWER_VERSION, n.problem());

        Path foreign = dir.resolve("foreign.db");
        sql(foreign, "CREATE TABLE users (id INTEGER PRIMARY KEY)");
        StoreSchemaException f = assertThrows(StoreSchemaException.class, () -> open(foreign));
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA, f.problem());
        assertEquals(0, count(foreign, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'tablease_%'"), "nothing created");

        Path other = dir.resolve("other.db");
        open(other).close();
        KernelConfig changed = CONFIG.toBuilder().globalMax(9).build();
        StoreConfigMismatchException m = assertThrows(StoreConfigMismatchException.class,
                () -> SqliteKernelStore.open(other, changed));
        assertEquals(CONFIG, m.fileConfig());
        try (SqliteKernelStore adopted = SqliteKernelStore.openExisting(other, MillisClock.system(),
                SqliteKernelStore.Options.defaults())) {
            assertEquals(CONFIG, adopted.config(), "openExisting adopts the database's config");
        }
        assertThrows(StoreSchemaException.class, () -> SqliteKernelStore.openExisting(dir.resolve("missing.db"),
                MillisClock.system(), SqliteKernelStore.Options.defaults()));
        assertFalse(Files.exists(dir.resolve("missing.db")), "openExisting creates nothing");
    }

    @Test
    void aWallClockJumpChangesNothing_theBootClockAdvancesTheTimeLine() {
        Path db = dir.resolve("clock.db");
        FakeWall wall = new FakeWall(1_000_000);
        FakeBoot boot = new FakeBoot();
        SqliteKernelStore.Options opts = SqliteKernelStore.Options.defaults().withDurable(false).withBootClock(boot);
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, wall, opts)) {
            SharedLeaseKernel.Step first = store.apply(Input.Tick::new);
            long t0 = first.inputs().get(0).now();
            assertEquals(1_000_000, t0, "the wall clock sets the time line once");
            wall.millis.addAndGet(3_600_000); // an NTP jump of an hour
            boot.millis.addAndGet(250);
            assertEquals(t0 + 250, store.apply(Input.Tick::new).inputs().get(0).now());
            wall.millis.addAndGet(-7_200_000); // and back, beyond where it started
            boot.millis.addAndGet(100);
            assertEquals(t0 + 350, store.apply(Input.Tick::new).inputs().get(0).now());
        }
        try (SqliteKernelStore reopened = SqliteKernelStore.open(db, CONFIG, wall, opts)) {
            boot.millis.addAndGet(50);
            assertEquals(1_000_400, reopened.apply(Input.Tick::new).inputs().get(0).now(), "the anchor is in the database");
        }
    }

    @Test
    void anImportedState_isTheBaseOfTheLog_andSurvivesSnapshotsAndReopens() throws Exception {
        KernelState state;
        try (InMemoryKernelStore mem = new InMemoryKernelStore(CONFIG, MillisClock.system())) {
            StoreFixtures.acquireAndRelease(mem, "s1", "k", "h");
            mem.apply(now -> new Input.Acquire(now, "s2", "k", "h2", KernelConfig.DEFAULT_CLASS));
            state = mem.snapshot();
        }
        Path db = dir.resolve("imported.db");
        SqliteKernelStore.Options every2 = SqliteKernelStore.Options.defaults().withDurable(false).withSnapshotEvery(2);
        SqliteKernelStore.importState(db, CONFIG, state, null, every2);
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every2)) {
            assertEquals(state, store.snapshot());
            for (int i = 0; i < 5; i++) {
                StoreFixtures.acquireAndRelease(store, "t" + i, "k2", "h");
            }
            state = store.snapshot();
        }
        try (SqliteKernelStore again = SqliteKernelStore.open(db, CONFIG, MillisClock.system(), every2)) {
            assertEquals(state, again.snapshot(), "imported base + log + snapshots agree");
        }
        KernelState imported = state;
        assertThrows(IllegalStateException.class, () -> SqliteKernelStore.importState(db, CONFIG, imported, null, every2),
                "import never overwrites a store");
        KernelState broken = new KernelState(state.lastNow(), 1, state.nextTabId(), state.nextRequestId(),
                state.nextWaitSeq(), state.tabs(), state.sessions());
        Path refused = dir.resolve("refused.db");
        assertThrows(dev.tablease.kernel.InvalidStateException.class,
                () -> SqliteKernelStore.importState(refused, CONFIG, broken, null, every2));
        assertFalse(Files.exists(refused), "nothing created for a refused state");
    }

    @Test
    void aClosedStore_refusesUse_andOptionsRefuseImpossibleValues() {
        SqliteKernelStore store = open(dir.resolve("closed.db"));
        store.close();
        assertThrows(IllegalStateException.class, () -> store.apply(Input.Tick::new));
        assertThrows(IllegalArgumentException.class, () -> SqliteKernelStore.Options.defaults().withSnapshotEvery(0));
        assertThrows(IllegalArgumentException.class,
                () -> new SqliteKernelStore.Options(true, 10, 0, BootClock.system()));
        assertNotNull(SqliteKernelStore.Options.defaults().bootClock());
    }
}

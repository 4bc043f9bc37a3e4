package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every input-log store proves, the same test against SQLite ({@link SqliteKernelStoreTest}) and PostgreSQL
 * ({@link PostgresKernelStoreTest}): the log and its snapshots, the kernel's decisions, several instances and
 * threads on one database, refused inputs, corrupt rows, foreign and newer schemas, another config, a closed store.
 * Each subclass names a database ({@link #newDatabase}: a file path or a URL) and says how to reach it; what only
 * one database has (PostgreSQL's head row, SQLite's boot clock and import) stays in the subclass.
 */
abstract class InputLogStoreContract {

    /** @return a new database that holds nothing yet: an SQLite file path (not created) or a PostgreSQL URL */
    abstract String newDatabase();

    /** @return the store in {@code db} with {@link StoreFixtures#CONFIG}, a snapshot every {@code snapshotEvery} rows */
    abstract KernelStore open(String db, int snapshotEvery);

    /** @return the store in {@code db} with {@code config}, the default options */
    abstract KernelStore open(String db, KernelConfig config);

    /** @return the store in {@code db} with the config recorded in it */
    abstract KernelStore openExisting(String db);

    /** @return every row of {@code store}'s log */
    abstract List<LogRow> log(KernelStore store);

    /** Runs SQL statements on {@code db} outside the store, as another program would. */
    abstract void sql(String db, String... statements) throws Exception;

    /** @return the first column of the first row of {@code query} on {@code db}, as a long */
    abstract long count(String db, String query) throws Exception;

    /** @return the first column of the first row of {@code query} on {@code db}, as a string */
    abstract String string(String db, String query) throws Exception;

    /** @return the statements that append a raw row {@code seq} the way another process's transition would */
    abstract String[] appendRaw(long seq, String input);

    /** @return how many tables named {@code tablease_*} {@code db} holds (0 when it does not exist) */
    abstract long tableaseTables(String db) throws Exception;

    /** Creates a new store in {@code db} whose log starts from {@code state} (snapshots every 2 rows when opened). */
    abstract void importState(String db, KernelConfig config, KernelState state);

    /** @return the store in {@code db} with {@link StoreFixtures#CONFIG} and the default snapshot interval */
    KernelStore open(String db) {
        return open(db, 1_000);
    }

    @Test
    void aNewStore_holdsTheEmptyState_andRecordsItsVersionedSchemaAndConfig() throws Exception {
        String db = newDatabase();
        KernelConfig custom = CONFIG.toBuilder().maxPerKey("vip", 1).build();
        try (KernelStore store = open(db, custom)) {
            assertEquals(KernelState.initial(), store.snapshot());
        }
        assertEquals("1", string(db, "SELECT value FROM tablease_meta WHERE key = 'schema_version'"));
        assertEquals("tablease-log", string(db, "SELECT value FROM tablease_meta WHERE key = 'format'"));
        try (KernelStore adopted = openExisting(db)) {
            assertEquals(custom, adopted.config(), "openExisting adopts the config recorded in the database");
        }
    }

    @Test
    void everyInputIsOneRowOfTheLog_withItsNowAndDecisions_andTheStateSurvivesAReopen() throws Exception {
        String db = newDatabase();
        KernelState before;
        try (KernelStore store = open(db)) {
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s1", "k", "h"));
            before = store.snapshot();
            List<LogRow> rows = log(store);
            assertEquals(List.of(1L, 2L, 3L), rows.stream().map(LogRow::seq).toList());
            assertTrue(rows.get(0).input().contains("\"type\":\"Acquire\""), rows.get(0).input());
            assertTrue(rows.get(0).decisions().contains("\"type\":\"OpenTab\""), rows.get(0).decisions());
        }
        try (KernelStore again = open(db)) {
            assertEquals(before, again.snapshot(), "rebuilt from the log");
            assertEquals(2, StoreFixtures.acquireAndRelease(again, "s2", "k", "h"), "the pooled tab: no TabOpened");
            assertEquals(before.nextToken() + 1, again.snapshot().nextToken(), "the counters go on, never repeat");
        }
        assertEquals(5, count(db, "SELECT count(*) FROM tablease_log"));
    }

    @Test
    void theStoreDecidesExactlyLikeTheKernel_givenTheInputsItLogged() {
        List<LongFunction<Input>> script = List.of(
                now -> new Input.Acquire(now, "a", "k", "h1", "default"),
                now -> new Input.Acquire(now, "b", "k", "h2", "default"),
                now -> new Input.TabOpened(now, 1, "t1"),
                now -> new Input.Acquire(now, "a", "k", "h3", "default"),
                now -> new Input.Heartbeat(now, "a", 1),
                now -> new Input.UpdateSession(now, "a", 1, "https://x/1"),
                now -> new Input.TabOpenFailed(now, 2, "boom"),
                now -> new Input.Release(now, "a", 1, Outcome.DETACH),
                now -> new Input.Tick(now));
        LeaseKernel reference = new LeaseKernel(CONFIG);
        try (KernelStore store = open(newDatabase())) {
            for (int i = 0; i < script.size(); i++) {
                SharedLeaseKernel.Step step = store.apply(script.get(i));
                List<dev.tablease.kernel.Decision> expected = new ArrayList<>();
                for (Input in : step.inputs()) {
                    expected.addAll(reference.apply(in));
                }
                assertEquals(expected, step.decisions(), "step " + i);
                assertEquals(reference.snapshot(), store.snapshot(), "state after step " + i);
            }
        }
    }

    @Test
    void twoInstancesOnOneDatabase_eachApplyTheOthersRowsFirst_soNoUpdateIsLost() {
        String db = newDatabase();
        try (KernelStore a = open(db); KernelStore b = open(db)) {
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
    void threadsOnTwoInstancesAtOnce_loseNoUpdate() throws Exception {
        String db = newDatabase();
        int threads = 4;
        int pairs = 25;
        try (KernelStore a = open(db); KernelStore b = open(db)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    KernelStore store = t % 2 == 0 ? a : b;
                    String key = "k" + t;
                    done.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < pairs; i++) {
                            n += StoreFixtures.acquireAndRelease(store, key + "-s" + i, key, "thread");
                        }
                        return n;
                    }));
                }
                for (Future<Integer> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            KernelState s = a.snapshot();
            assertEquals(s, b.snapshot());
            assertEquals(1 + threads * pairs, s.nextRequestId());
            assertEquals(1 + threads * pairs, s.nextToken());
            assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
        }
    }

    @Test
    void snapshotsEveryNRows_boundTheReplay_andAgreeWithTheLog() throws Exception {
        String db = newDatabase();
        KernelState state;
        try (KernelStore store = open(db, 4)) {
            for (int i = 0; i < 10; i++) {
                StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
            }
            state = store.snapshot();
        }
        long rows = count(db, "SELECT count(*) FROM tablease_log");
        assertEquals(rows / 4, count(db, "SELECT count(*) FROM tablease_snapshot"));
        try (KernelStore again = open(db, 4)) {
            assertEquals(state, again.snapshot(), "latest snapshot + the rows after it = the whole log");
        }
    }

    @Test
    void aStateOfMoreSessionsThanTheInterval_isSnapshottedLessOften_andStillRebuiltFromTheLog() throws Exception {
        String db = newDatabase();
        KernelState state;
        long afterAcquires;
        try (KernelStore store = open(db, 4)) {
            for (int i = 0; i < 12; i++) { // 8 tabs opening, 4 sessions queued: 12 sessions from here on
                String s = "s" + i;
                store.apply(now -> new Input.Acquire(now, s, "k" + s, "h", KernelConfig.DEFAULT_CLASS));
            }
            assertEquals(12, store.snapshot().sessions().size());
            afterAcquires = count(db, "SELECT count(*) FROM tablease_log");
            for (int i = 0; i < 64; i++) {
                store.apply(Input.Tick::new);
            }
            assertEquals(12, store.snapshot().sessions().size());
            state = store.snapshot();
        }
        long rows = count(db, "SELECT count(*) FROM tablease_log");
        // 12 sessions, every 4: stretched by the power of two at or above 12 / 4, so a snapshot every 16 rows
        assertEquals(rows / 16 - afterAcquires / 16,
                count(db, "SELECT count(*) FROM tablease_snapshot WHERE seq > " + afterAcquires));
        assertEquals(0, count(db, "SELECT count(*) FROM tablease_snapshot WHERE seq > " + afterAcquires + " AND seq % 16 <> 0"));
        try (KernelStore again = open(db, 4)) {
            assertEquals(state, again.snapshot(), "latest snapshot + the rows after it = the whole log");
        }
    }

    @Test
    void anInputTheKernelRefuses_isATypedError_andWritesNothing() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            KernelState before = store.snapshot();
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> store.apply(now -> new Input.Heartbeat(now - 1_000_000, "s1", 1)));
            assertEquals(InvalidInputException.Problem.TIME_WENT_BACKWARDS, e.problem());
            assertThrows(InvalidInputException.class,
                    () -> store.apply(now -> new Input.Acquire(now, "s2", "k", "h", "no-such-class")));
            assertThrows(NullPointerException.class, () -> store.apply(now -> null));
            assertThrows(IllegalStateException.class, () -> store.apply(now -> {
                throw new IllegalStateException("the caller's input function failed");
            }));
            assertEquals(before, store.snapshot());
            assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"));
            assertEquals(3, StoreFixtures.acquireAndRelease(store, "s2", "k2", "h"), "the store goes on");
        }
    }

    @Test
    void aMalformedRow_isRefusedNamingTheRow_andNothingIsOverwritten() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET input = '{\"type\":\"Acquire\",\"now\":' WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.MALFORMED_ROW, e.problem());
        assertEquals(2, e.seq());
        assertEquals("tablease_log", e.table());
        assertTrue(e.getMessage().contains("tablease_log row 2"), e.getMessage());
        assertEquals(3, count(db, "SELECT count(*) FROM tablease_log"), "nothing deleted or appended");
    }

    @Test
    void aGapInTheSequence_isRefusedNamingTheMissingRow() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "DELETE FROM tablease_log WHERE seq = 2");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.SEQUENCE_GAP, e.problem());
        assertEquals(2, e.seq());
    }

    @Test
    void recordedDecisionsThatTheReplayDoesNotGive_areRefused() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
        }
        sql(db, "UPDATE tablease_log SET decisions = '[]' WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db));
        assertEquals(LogCorruptException.Problem.DECISIONS_DISAGREE, e.problem());
        assertEquals(3, e.seq());
    }

    @Test
    void aSnapshotThatDisagreesWithTheReplay_isRefused() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db, 3)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            StoreFixtures.acquireAndRelease(store, "s2", "k", "h");
        }
        sql(db, "UPDATE tablease_snapshot SET state = replace(state, '\"nextToken\":2', '\"nextToken\":1') WHERE seq = 3");
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(db, 3));
        assertEquals(LogCorruptException.Problem.SNAPSHOT_DISAGREES, e.problem());
        assertEquals(3, e.seq());
        assertEquals("tablease_snapshot", e.table());
    }

    @Test
    void aCorruptRowAppendedByAnotherProcess_failsTheNextTransition_andIsNotOverwritten() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            sql(db, appendRaw(4, "not json"));
            LogCorruptException e = assertThrows(LogCorruptException.class, () -> store.apply(Input.Tick::new));
            assertEquals(4, e.seq());
            assertEquals(LogCorruptException.Problem.MALFORMED_ROW, e.problem());
            assertThrows(LogCorruptException.class, store::snapshot, "and every read after it");
        }
        assertEquals(4, count(db, "SELECT count(*) FROM tablease_log"));
        assertEquals("not json", string(db, "SELECT input FROM tablease_log WHERE seq = 4"));
    }

    @Test
    void aNewerSchema_aForeignDatabase_andAnotherConfig_areRefused_andLeftAsTheyAre() throws Exception {
        String newer = newDatabase();
        open(newer).close();
        sql(newer, "UPDATE tablease_meta SET value = '2' WHERE key = 'schema_version'");
        StoreSchemaException n = assertThrows(StoreSchemaException.class, () -> open(newer));
        assertEquals(StoreSchemaException.Problem.NEWER_VERSION, n.problem());
        assertEquals("2", string(newer, "SELECT value FROM tablease_meta WHERE key = 'schema_version'"));

        String foreign = newDatabase();
        sql(foreign, "CREATE TABLE users (id int PRIMARY KEY)");
        StoreSchemaException f = assertThrows(StoreSchemaException.class, () -> open(foreign));
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA, f.problem());
        assertEquals(0, tableaseTables(foreign), "nothing created");

        String someoneElsesMeta = newDatabase();
        sql(someoneElsesMeta, "CREATE TABLE tablease_meta (key text PRIMARY KEY, value text NOT NULL)",
                "INSERT INTO tablease_meta VALUES ('format', 'something-else')");
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA,
                assertThrows(StoreSchemaException.class, () -> open(someoneElsesMeta)).problem());

        String other = newDatabase();
        open(other).close();
        KernelConfig changed = CONFIG.toBuilder().globalMax(9).build();
        StoreConfigMismatchException m = assertThrows(StoreConfigMismatchException.class, () -> open(other, changed));
        assertEquals(CONFIG, m.fileConfig());
        assertTrue(m.getMessage().contains("globalMax: 8 -> 9"), m.getMessage());
        try (KernelStore adopted = openExisting(other)) {
            assertEquals(CONFIG, adopted.config(), "openExisting adopts the database's config");
        }
        String empty = newDatabase();
        assertThrows(StoreSchemaException.class, () -> openExisting(empty));
        assertEquals(0, tableaseTables(empty), "openExisting creates nothing");
    }

    @Test
    void anImportedState_isTheBaseOfTheLog_andSurvivesSnapshotsAndReopens() throws Exception {
        KernelState state;
        try (InMemoryKernelStore mem = new InMemoryKernelStore(CONFIG, MillisClock.system())) {
            StoreFixtures.acquireAndRelease(mem, "s1", "k", "h");
            mem.apply(now -> new Input.Acquire(now, "s2", "k", "h2", KernelConfig.DEFAULT_CLASS));
            state = mem.snapshot();
        }
        String db = newDatabase();
        importState(db, CONFIG, state);
        try (KernelStore store = open(db, 2)) {
            assertEquals(state, store.snapshot());
            for (int i = 0; i < 5; i++) {
                StoreFixtures.acquireAndRelease(store, "t" + i, "k2", "h");
            }
            state = store.snapshot();
        }
        try (KernelStore again = open(db, 2)) {
            assertEquals(state, again.snapshot(), "imported base + log + snapshots agree");
            InputLogStore log = (InputLogStore) again;
            assertThrows(IllegalStateException.class, () -> log.writeTrace(new java.io.StringWriter()),
                    "an imported log does not start from the empty state of a trace");
        }
        KernelState imported = state;
        assertThrows(IllegalStateException.class, () -> importState(db, CONFIG, imported), "import never overwrites a store");
        KernelState broken = new KernelState(state.lastNow(), 1, state.nextTabId(), state.nextRequestId(),
                state.nextWaitSeq(), state.tabs(), state.sessions());
        String refused = newDatabase();
        assertThrows(dev.tablease.kernel.InvalidStateException.class, () -> importState(refused, CONFIG, broken));
        assertEquals(0, tableaseTables(refused), "nothing created for a refused state");
    }

    @Test
    void theLogIsTheTrace_oneStepPerRow_headedByTheConfig() throws Exception {
        String db = newDatabase();
        try (KernelStore store = open(db)) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            java.io.StringWriter out = new java.io.StringWriter();
            assertEquals(3, ((InputLogStore) store).writeTrace(out));
            List<String> lines = out.toString().lines().toList();
            assertEquals(4, lines.size(), out.toString());
            assertTrue(lines.get(0).contains("\"maxPerKey\":3"), lines.get(0));
            assertTrue(lines.get(1).contains("\"Acquire\""), lines.get(1));
            assertTrue(((InputLogStore) store).now() >= store.snapshot().lastNow(), "now never behind the log");
        }
    }

    @Test
    void aClosedStore_refusesUse() {
        KernelStore store = open(newDatabase());
        store.close();
        assertThrows(IllegalStateException.class, () -> store.apply(Input.Tick::new));
        assertThrows(IllegalStateException.class, store::snapshot);
    }
}

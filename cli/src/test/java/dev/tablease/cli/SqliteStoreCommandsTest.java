package dev.tablease.cli;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.BootClock;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.store.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands on the SQLite store, the default: {@code status}, {@code export}, {@code import} (the migration
 * from the removed file store's {@code state.json}), {@code replay} and {@code timeline} reading the log straight
 * from the database, and a state file given where a database is expected refused with a typed error.
 */
@Timeout(60)
class SqliteStoreCommandsTest {

    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(1).globalMax(8).build();

    @TempDir
    Path tmp;

    /** A store with s1 driven on T1 (with a conversation URL) and s2 reserved on T2 without a driver. */
    private Path database() {
        Path db = tmp.resolve("tablease.db");
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, MillisClock.system(),
                SqliteKernelStore.Options.defaults().withDurable(false))) {
            fill(store);
        }
        return db;
    }

    private static void fill(dev.tablease.store.KernelStore store) {
        open(store, "s1", "chatgpt", "T1");
        store.apply(now -> new Input.UpdateSession(now, "s1", 1, "https://chat.example/c/1"));
        open(store, "s2", "claude", "T2");
        store.apply(now -> new Input.Release(now, "s2", 2, Outcome.DETACH));
    }

    private static void open(dev.tablease.store.KernelStore store, String session, String key, String target) {
        SharedLeaseKernel.Step a = store.apply(now -> new Input.Acquire(now, session, key, "h " + session, "default"));
        Decision.OpenTab open = (Decision.OpenTab) a.decisions().get(0);
        store.apply(now -> new Input.TabOpened(now, open.tabId(), target));
    }

    private static CliRun run(String... args) {
        return CliRun.run(List.of(new StatusCommand(Map.of(), System::currentTimeMillis, BootClock.system()),
                new ExportCommand(Map.of()), new ImportCommand(Map.of()), new ReplayCommand(), new TimelineCommand(),
                new ServeCommand(new java.util.concurrent.CountDownLatch(0), Map.of())), args);
    }

    @Test
    void statusReadsTheDatabase_replayingItsLog() {
        Path db = database();
        CliRun r = run("status", "--store", db.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("TABS: 2 of 8 (chatgpt 1/1, claude 1/1)"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  s1 +chatgpt +default +1 +in [0-9.]+ s +0 +https://chat.example/c/1\\n.*"), r.out());
        assertTrue(r.out().contains("DRIVER LEASES: 1"), r.out());
    }

    @Test
    void aCorruptRowMakesStatusExitOne_namingTheRow() throws Exception {
        Path db = database();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("UPDATE tablease_log SET input = 'x' WHERE seq = 3");
        }
        CliRun r = run("status", "--store", db.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("tablease_log row 3: MALFORMED_ROW"), r.err());
    }

    @Test
    void exportThenImport_carriesTheStateIntoANewStore_andNeverOverwrites() throws Exception {
        Path db = database();
        Path json = tmp.resolve("exported.json");
        CliRun e = run("export", "--store", db.toString(), "--out", json.toString());
        assertEquals(0, e.exit(), e.toString());
        Path copy = tmp.resolve("copy.db");
        CliRun i = run("import", json.toString(), "--store", copy.toString());
        assertEquals(0, i.exit(), i.toString());
        assertTrue(i.out().contains("2 tabs, 2 sessions"), i.out());
        KernelState original;
        try (SqliteKernelStore a = SqliteKernelStore.open(db, CONFIG); SqliteKernelStore b = SqliteKernelStore.open(copy, CONFIG)) {
            original = a.snapshot();
            assertEquals(original, b.snapshot());
        }
        assertEquals(1, run("import", json.toString(), "--store", copy.toString()).exit(), "the store exists");
        assertEquals(2, run("export", "--store", db.toString(), "--out", json.toString()).exit(), "the file exists");
    }

    @Test
    void importMigratesAFileStoresStateFile_andItsSessionsGoOnInTheDatabase() throws Exception {
        Path state = tmp.resolve("state.json"); // what the removed file store kept: the same codec, version 2
        try (InMemoryKernelStore file = new InMemoryKernelStore(CONFIG, MillisClock.system())) {
            fill(file);
            Files.write(state, new StateFile().encode(new StateFile.Contents(CONFIG, null, file.snapshot())));
        }
        Path db = tmp.resolve("migrated.db");
        CliRun r = run("import", state.toString(), "--store", db.toString());
        assertEquals(0, r.exit(), r.toString());
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG)) {
            SharedLeaseKernel.Step back = store.apply(now -> new Input.Acquire(now, "s2", "claude", "poll", "default"));
            assertTrue(back.decisions().stream().anyMatch(d -> d instanceof Decision.Granted g && g.targetId().equals("T2")),
                    "the parked session reattaches to its tab: " + back.decisions());
        }
        assertTrue(Files.exists(state), "the state file is left as it is");
    }

    @Test
    void replayAndTimelineReadTheLogStraightFromTheDatabase() {
        Path db = database();
        CliRun r = run("replay", db.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(6, r.out().strip().split("\n").length - 1, "header + one step per row (6 rows): " + r.out());
        Path html = tmp.resolve("t.html");
        CliRun t = run("timeline", db.toString(), "-o", html.toString());
        assertEquals(0, t.exit(), t.toString());
        assertTrue(Files.exists(html));
    }

    @Test
    void anImportedStoreIsNotATraceFromTheEmptyState() {
        Path db = database();
        Path json = tmp.resolve("e.json");
        assertEquals(0, run("export", "--store", db.toString(), "--out", json.toString()).exit());
        Path imported = tmp.resolve("imported.db");
        assertEquals(0, run("import", json.toString(), "--store", imported.toString()).exit());
        CliRun r = run("replay", imported.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("imported from a state file"), r.err());
    }

    @Test
    void aStateFileGivenAsTheStore_isRefusedByExportAndServe_tellingTheUserToImportIt() throws Exception {
        Path db = database();
        Path json = tmp.resolve("state.json");
        assertEquals(0, run("export", "--store", db.toString(), "--out", json.toString()).exit());
        byte[] before = Files.readAllBytes(json);
        CliRun e = run("export", "--store", json.toString());
        assertEquals(1, e.exit(), e.toString());
        assertTrue(e.err().contains("STATE_FILE") && e.err().contains("tablease import " + json.toAbsolutePath()), e.err());
        CliRun s = run("serve", "--cdp", "http://127.0.0.1:1", "--port", "0", "--token-file",
                tmp.resolve("t").toString(), "--store", json.toString());
        assertEquals(1, s.exit(), s.toString());
        assertTrue(s.err().contains("cannot open the store") && s.err().contains("tablease import"), s.err());
        assertTrue(Arrays.equals(before, Files.readAllBytes(json)), "the state file is left as it is");
        assertFalse(Files.exists(tmp.resolve("state.json-wal")));
    }

    /** A child JVM holding {@code db} with the store module's test worker; returns once it printed {@code held}. */
    private static Process holdInAnotherProcess(Path db, boolean exclusive, Path stderr) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), "dev.tablease.store.StoreWorker", "hold", db.toString(),
                Boolean.toString(exclusive)).redirectError(stderr.toFile()).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"held".equals(line)) {
            p.destroyForcibly();
            throw new AssertionError("the holder printed " + line + "; " + Files.readString(stderr));
        }
        return p;
    }

    @Test
    void statusOfADatabaseHeldExclusively_byAnotherProcess_isATypedErrorSuggestingTheService() throws Exception {
        Path db = database();
        Process holder = holdInAnotherProcess(db, true, tmp.resolve("holder.err"));
        try {
            long start = System.nanoTime();
            CliRun r = run("status", "--store", db.toString());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "not a 30 s busy wait");
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("held exclusively by another process"), r.err());
            assertTrue(r.err().contains("tablease serve") && r.err().contains("GET /v1/status"), r.err());
        } finally {
            holder.getOutputStream().write('\n');
            holder.getOutputStream().flush();
            assertEquals(0, holder.waitFor());
        }
        CliRun after = run("status", "--store", db.toString());
        assertEquals(0, after.exit(), after.toString());
    }

    @Test
    void statusOfADatabaseHeldExclusively_inThisProcess_isTheSameTypedError() {
        Path db = database();
        try (SqliteKernelStore held = SqliteKernelStore.open(db, CONFIG, MillisClock.system(),
                SqliteKernelStore.Options.defaults().withExclusive(true))) {
            CliRun r = run("status", "--store", db.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("held exclusively") && r.err().contains("GET /v1/status"), r.err());
            assertEquals(2, held.snapshot().sessions().size(), "the holder goes on");
        }
    }

    @Test
    void serveOpensItsSqliteStoreExclusively_soItDoesNotStartWhileAnotherProcessHasItOpen() throws Exception {
        Path db = database();
        Process other = holdInAnotherProcess(db, false, tmp.resolve("other.err"));
        try {
            CliRun s = run("serve", "--cdp", "http://127.0.0.1:1", "--port", "0", "--token-file",
                    tmp.resolve("t").toString(), "--store", db.toString(), "--max-per-key", "1");
            assertEquals(1, s.exit(), s.toString());
            assertTrue(s.err().contains("cannot open the store") && s.err().contains("another process has it open"),
                    s.err());
        } finally {
            other.getOutputStream().write('\n');
            other.getOutputStream().flush();
            assertEquals(0, other.waitFor());
        }
    }

    @Test
    @Timeout(120)
    void serveHoldsItsSqliteStore_statusPointsAtTheService_andReadsTheStoreOnceServeStopped() throws Exception {
        Path db = database();
        Path tokenFile = tmp.resolve("t/serve.token");
        try (dev.tablease.testkit.ChromiumProcess chromium = dev.tablease.testkit.ChromiumProcess.start()) {
            ServeRun serve = ServeRun.start(Map.of(), "--cdp", chromium.httpEndpoint().toString(), "--port", "0",
                    "--token-file", tokenFile.toString(), "--store", db.toString(), "--max-per-key", "1");
            CliRun status = run("status", "--store", db.toString());
            assertEquals(2, status.exit(), status.toString());
            assertTrue(status.err().contains("held exclusively") && status.err().contains("GET /v1/status"),
                    status.err());
            String token = Files.readString(tokenFile).trim();
            java.net.http.HttpResponse<String> viaService = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(serve.base.resolve("/v1/status"))
                            .header("Authorization", "Bearer " + token).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, viaService.statusCode(), viaService.body());
            assertEquals(0, serve.stop(), serve.toString());
        }
        CliRun after = run("status", "--store", db.toString());
        assertEquals(0, after.exit(), after.toString());
    }
}

package dev.tablease.cli;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.BootClock;
import dev.tablease.store.KernelStore;
import dev.tablease.store.PostgresCluster;
import dev.tablease.store.PostgresKernelStore;
import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands on a PostgreSQL store, on a real server ({@link PostgresCluster}, one database per test), named by a
 * {@code postgresql://user@host:port/db} URL: {@code status}, {@code export}, {@code import}, {@code replay},
 * {@code timeline} and {@code serve}; and how a URL is taken apart (user, password, {@code $PGPASSWORD}).
 */
@Timeout(120)
class PostgresStoreCommandsTest {

    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(1).globalMax(8).build();

    /** The shared server. */
    private static PostgresCluster cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void server() {
        cluster = PostgresCluster.shared();
    }

    /** @return a new empty database as the URL a user types: {@code postgresql://tablease@127.0.0.1:<port>/<name>} */
    private static String newDatabase() {
        String jdbc = cluster.newDatabase(); // jdbc:postgresql://127.0.0.1:<port>/<name>?user=tablease
        String name = jdbc.substring(jdbc.lastIndexOf('/') + 1, jdbc.indexOf('?'));
        return "postgresql://" + PostgresCluster.USER + "@127.0.0.1:" + cluster.port + "/" + name;
    }

    /** @return a new database holding s1 driven on T1 (with a conversation URL) and s2 reserved on T2, undriven */
    private static String database() {
        String url = newDatabase();
        try (KernelStore store = StoreTarget.of(url, Map.of()).open(CONFIG)) {
            open(store, "s1", "chatgpt", "T1");
            store.apply(now -> new Input.UpdateSession(now, "s1", 1, "https://chat.example/c/1"));
            open(store, "s2", "claude", "T2");
            store.apply(now -> new Input.Release(now, "s2", 2, Outcome.DETACH));
        }
        return url;
    }

    private static void open(KernelStore store, String session, String key, String target) {
        SharedLeaseKernel.Step a = store.apply(now -> new Input.Acquire(now, session, key, "h " + session, "default"));
        Decision.OpenTab open = (Decision.OpenTab) a.decisions().get(0);
        store.apply(now -> new Input.TabOpened(now, open.tabId(), target));
    }

    private static CliRun run(String... args) {
        return CliRun.run(List.of(new StatusCommand(Map.of(), System::currentTimeMillis, BootClock.system()),
                new ExportCommand(Map.of()), new ImportCommand(Map.of()), new ReplayCommand(), new TimelineCommand()), args);
    }

    private static KernelState state(String url) {
        StoreTarget.Postgres pg = (StoreTarget.Postgres) StoreTarget.of(url, Map.of());
        try (PostgresKernelStore store = PostgresKernelStore.openExisting(pg.jdbcUrl(), pg.properties(),
                System::currentTimeMillis, PostgresKernelStore.Options.defaults())) {
            return store.snapshot();
        }
    }

    @Test
    void statusReadsTheDatabase_replayingItsLog_andNamesItWithoutCredentials() {
        String url = database();
        String withPassword = url.replace("tablease@", "tablease:s3cret@");
        CliRun r = run("status", "--store", withPassword);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("store   postgresql://127.0.0.1:" + cluster.port + "/"), r.out());
        assertFalse(r.out().contains("s3cret"), r.out());
        assertTrue(r.out().contains("TABS: 2 of 8 (chatgpt 1/1, claude 1/1)"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  s1 +chatgpt +default +1 +in [0-9.]+ s +0 +https://chat.example/c/1\\n.*"), r.out());
        CliRun jdbc = run("status", "--store", "jdbc:" + url, "--json");
        assertEquals(0, jdbc.exit(), jdbc.toString());
        assertTrue(jdbc.out().contains("\"targetId\":\"T2\""), jdbc.out());
    }

    @Test
    void aCorruptRowMakesStatusExitOne_namingTheRow_andAnEmptyDatabaseIsNoStore() throws Exception {
        String url = database();
        StoreTarget.Postgres pg = (StoreTarget.Postgres) StoreTarget.of(url, Map.of());
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.properties()); Statement st = c.createStatement()) {
            st.execute("UPDATE tablease_log SET input = 'x' WHERE seq = 3");
        }
        CliRun r = run("status", "--store", url);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("tablease_log row 3: MALFORMED_ROW"), r.err());
        CliRun empty = run("status", "--store", newDatabase());
        assertEquals(1, empty.exit(), empty.toString());
        assertTrue(empty.err().contains("FOREIGN_SCHEMA") && empty.err().contains("no tablease store"), empty.err());
    }

    @Test
    void exportThenImport_carriesTheStateBetweenPostgresqlAndSqlite_andNeverOverwrites() throws Exception {
        String url = database();
        Path json = tmp.resolve("exported.json");
        CliRun e = run("export", "--store", url, "--out", json.toString());
        assertEquals(0, e.exit(), e.toString());
        assertTrue(Files.readString(json).contains("\"clock\":null"), "PostgreSQL keeps no boot-clock anchor");

        String copy = newDatabase();
        CliRun i = run("import", json.toString(), "--store", copy);
        assertEquals(0, i.exit(), i.toString());
        assertTrue(i.out().contains("2 tabs, 2 sessions"), i.out());
        assertEquals(state(url), state(copy));
        CliRun again = run("import", json.toString(), "--store", copy);
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("import writes a new store only"), again.err());
        assertEquals(state(url), state(copy), "nothing changed");

        Path sqlite = tmp.resolve("from-pg.db");
        assertEquals(0, run("import", json.toString(), "--store", sqlite.toString()).exit(), "a state file moves a store "
                + "between the two databases");
        CliRun back = run("status", "--store", sqlite.toString(), "--json");
        assertEquals(0, back.exit(), back.toString());
        assertTrue(back.out().contains("\"conversationUrl\":\"https://chat.example/c/1\""), back.out());
    }

    @Test
    void replayAndTimelineReadTheLogStraightFromTheDatabase() throws Exception {
        String url = database();
        CliRun r = run("replay", url);
        assertEquals(0, r.exit(), r.toString());
        assertEquals(6, r.out().strip().split("\n").length - 1, "header + one step per row (6 rows): " + r.out());
        Path html = tmp.resolve("t.html");
        CliRun t = run("timeline", url, "-o", html.toString());
        assertEquals(0, t.exit(), t.toString());
        assertTrue(Files.readString(html).contains("<svg"), "a page was drawn");
        String name = url.substring(url.lastIndexOf('/') + 1);
        assertEquals(Path.of(name + ".html"), TimelineCommand.defaultOutput(url));
    }

    @Test
    void aUrlIsTakenApart_userAndPasswordOutOfIt_thePasswordFromPgpasswordWhenItHasNone() {
        StoreTarget.Postgres a = (StoreTarget.Postgres) StoreTarget.of(
                "postgresql://alice:p%40ss@db.example:5433/leases?sslmode=require", Map.of("PGPASSWORD", "ignored"));
        assertEquals("jdbc:postgresql://db.example:5433/leases?sslmode=require", a.jdbcUrl());
        assertEquals("alice", a.properties().getProperty("user"));
        assertEquals("p@ss", a.properties().getProperty("password"), "the URL's password wins");
        assertEquals("postgresql://db.example:5433/leases", a.location());
        assertFalse(a.toString().contains("p@ss"), a.toString());

        StoreTarget.Postgres b = (StoreTarget.Postgres) StoreTarget.of("jdbc:postgresql://127.0.0.1:5432/t?user=bob",
                Map.of("PGPASSWORD", "from-env"));
        assertEquals("from-env", b.properties().getProperty("password"));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/t?user=bob", b.jdbcUrl());

        StoreTarget.Postgres c = (StoreTarget.Postgres) StoreTarget.of("postgresql://127.0.0.1/t?password=q", Map.of("PGPASSWORD", "e"));
        assertFalse(c.properties().containsKey("password"), "a password in the query is left to the driver");

        assertEquals("postgresql://u:***@h/d?x=1&password=***", StoreTarget.redact("postgresql://u:pw@h/d?x=1&password=pw"));
        assertTrue(StoreTarget.of("/tmp/tablease.db", Map.of()) instanceof StoreTarget.Sqlite);
        CliRun noDb = run("status", "--store", "postgresql://127.0.0.1:5432");
        assertEquals(2, noDb.exit(), noDb.toString());
        assertTrue(noDb.err().contains("needs a host and a database"), noDb.err());
        CliRun unreachable = run("export", "--store", "postgresql://u:secret@127.0.0.1:1/none");
        assertEquals(1, unreachable.exit(), unreachable.toString());
        assertFalse(unreachable.err().contains("secret"), unreachable.err());
    }

    @Test
    @Timeout(120)
    void serveKeepsItsStateInPostgresql_andStatusSeesTheLeaseItGranted() throws Exception {
        String url = newDatabase();
        Path tokenFile = tmp.resolve("t/serve.token");
        try (ChromiumProcess chromium = ChromiumProcess.start()) {
            ServeRun serve = ServeRun.start(Map.of(), "--cdp", chromium.httpEndpoint().toString(),
                    "--port", "0", "--token-file", tokenFile.toString(), "--store", url);
            URI base = serve.base;
            String token = Files.readString(tokenFile).trim();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> granted = http.send(HttpRequest.newBuilder(base.resolve("/v1/acquire"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sessionId\":\"s1\",\"key\":\"chatgpt\",\"holder\":\"pg-test\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, granted.statusCode(), granted.body());
            assertTrue(granted.body().contains("\"outcome\":\"granted\""), granted.body());

            CliRun status = run("status", "--store", url);
            assertEquals(0, status.exit(), status.toString());
            assertTrue(status.out().contains("DRIVER LEASES: 1"), "the lease is in the database: " + status.out());
            assertTrue(status.out().matches("(?s).*\\n  s1 +serve [0-9a-f]+ #1 +1 .*"), "held by the service: " + status.out());

            assertEquals(0, serve.stop(), serve.toString());
        }
        KernelState after = state(url);
        assertTrue(after.sessions().stream().anyMatch(s -> s.sessionId().equals("s1") && s.lease() == null),
                "stopping released the lease with DETACH, in the database: " + after.sessions());
    }
}

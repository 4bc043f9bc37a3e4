package dev.tablease.cli;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.BootClock;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.store.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease status}: the tables of a store made in the test, and its errors. */
class StatusCommandTest {

    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(1).globalMax(8).build();

    @TempDir
    Path tmp;

    private final AtomicLong wall = new AtomicLong(1_000_000);

    /** A store with: s1 driven on tab T1 (chatgpt), s2 reserved on T2 without a driver, s3 waiting for a tab. */
    private Path store() {
        Path file = tmp.resolve("tablease.db");
        try (SqliteKernelStore store = open(file)) {
            open(store, "s1", "chatgpt", "send pid 1", "T1");
            SharedLeaseKernel.Step s = store.apply(now -> new Input.UpdateSession(now, "s1", 1, "https://chat.example/c/1"));
            assertTrue(s.decisions().get(s.decisions().size() - 1) instanceof Decision.Updated, s.toString());
            open(store, "s2", "claude", "send pid 2", "T2");
            store.apply(now -> new Input.Release(now, "s2", 2, dev.tablease.kernel.Outcome.DETACH));
            wall.addAndGet(1_000);
            store.apply(now -> new Input.Acquire(now, "s3", "chatgpt", "send pid 3", "pro"));
            store.apply(now -> new Input.Acquire(now, "s1", "chatgpt", "watcher", "default"));
        }
        return file;
    }

    private SqliteKernelStore open(Path file) {
        return SqliteKernelStore.open(file, CONFIG, wall::get,
                SqliteKernelStore.Options.defaults().withDurable(false).withBootClock(BootClock.none()));
    }

    private void open(SqliteKernelStore store, String session, String key, String holder, String target) {
        SharedLeaseKernel.Step a = store.apply(now -> new Input.Acquire(now, session, key, holder, "default"));
        Decision.OpenTab open = (Decision.OpenTab) a.decisions().get(0);
        wall.addAndGet(500);
        store.apply(now -> new Input.TabOpened(now, open.tabId(), target));
    }

    private CliRun status(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "status";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.run(List.of(new StatusCommand(env, () -> wall.get() + 2_000, BootClock.none())), all);
    }

    @Test
    void showsTabsReservationsLeasesAndWaitersAsTables() {
        Path file = store();
        CliRun run = status(Map.of(), "--store", file.toString());
        assertEquals(0, run.exit(), run.toString());
        String out = run.out();
        assertTrue(out.contains("store   " + file), out);
        assertTrue(out.contains("TABS: 2 of 8 (chatgpt 1/1, claude 1/1)"), out);
        assertTrue(out.matches("(?s).*\\n  1 +chatgpt +RESERVED +T1 +s1 .*"), out);
        assertTrue(out.matches("(?s).*\\n  2 +claude +RESERVED +T2 +s2 .*"), out);
        assertTrue(out.contains("RESERVATIONS: 2"), out);
        assertTrue(out.matches("(?s).*\\n  s1 +chatgpt +default +1 +in [0-9.]+ s +0 +https://chat.example/c/1\\n.*"), out);
        assertTrue(out.contains("DRIVER LEASES: 1"), out);
        assertTrue(out.matches("(?s).*\\n  s1 +send pid 1 +1 +[0-9.]+ s ago +in [0-9.]+ s\\n.*"), out);
        assertTrue(out.contains("WAITERS: 2"), out);
        assertTrue(out.matches("(?s).*\\n  a tab +s3 +chatgpt +send pid 3 +\\d+ +in [0-9.]+ s\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  the lease +s1 +chatgpt +watcher +\\d+ +in [0-9.]+ s\\n.*"), out);
        assertEquals("", run.err());
    }

    @Test
    void aSessionWhoseTabDiedShowsItsRecoveryOnTheReplacementTab() {
        Path file = store();
        try (SqliteKernelStore store = open(file)) {
            store.apply(now -> new Input.TabGone(now, "T1", dev.tablease.kernel.GoneCause.RENDERER_CRASHED));
        }
        CliRun run = status(Map.of(), "--store", file.toString());
        assertEquals(0, run.exit(), run.toString());
        String out = run.out();
        assertTrue(out.matches("(?s).*\\n  3 +chatgpt +OPENING +- +s1 .*"), out);
        assertTrue(out.matches("(?s).*\\n  s1 +chatgpt +default +3 +in [0-9.]+ s +1 +https://chat.example/c/1\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  a tab +s3 +chatgpt .*"), out + " (s3 still waits: the slot stayed s1's)");
    }

    @Test
    void jsonPrintsTheStateAsOneLine() {
        Path file = store();
        CliRun run = status(Map.of(), "--store", file.toString(), "--json");
        assertEquals(0, run.exit(), run.toString());
        assertEquals(1, run.out().strip().split("\n").length, run.out());
        assertTrue(run.out().startsWith("{\"lastNow\":"), run.out());
        assertTrue(run.out().contains("\"targetId\":\"T2\""), run.out());
    }

    @Test
    void theStoreComesFromTheEnvironmentWhenNotGiven() {
        Path file = store();
        CliRun run = status(Map.of(StoreLocation.ENV, file.toString()));
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("store   " + file), run.out());
    }

    @Test
    void theDefaultStoreIsInTheHomeDirectory() {
        assertEquals(Path.of(System.getProperty("user.home"), ".tablease", "tablease.db").toString(),
                StoreLocation.resolve(null, Map.of()));
        assertEquals("/x/s.db", StoreLocation.resolve(null, Map.of(StoreLocation.ENV, "/x/s.db")));
        assertEquals("/y.db", StoreLocation.resolve("/y.db", Map.of(StoreLocation.ENV, "/x/s.db")));
        assertEquals("postgresql://u@127.0.0.1:5432/t", StoreLocation.resolve(null, Map.of(StoreLocation.ENV,
                "postgresql://u@127.0.0.1:5432/t")));
    }

    @Test
    void anEmptyStoreSaysNone() {
        Path file = tmp.resolve("empty/tablease.db");
        open(file).close();
        CliRun run = status(Map.of(), "--store", file.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("TABS: 0 of 8\n  (none)"), run.out());
        assertTrue(run.out().contains("WAITERS: 0\n  (none)"), run.out());
    }

    @Test
    void noStoreAtThePathExitsTwo() {
        CliRun run = status(Map.of(), "--store", tmp.resolve("nothing.db").toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("tablease status: no store at "), run.err());
    }

    @Test
    void aJsonStateFileIsShownReadOnly_andNamedAsOneToImport() throws Exception {
        Path db = store();
        Path json = tmp.resolve("state.json");
        try (SqliteKernelStore store = open(db)) {
            Files.write(json, new StateFile().encode(new StateFile.Contents(CONFIG, store.clockAnchor(), store.snapshot())));
        }
        byte[] before = Files.readAllBytes(json);
        CliRun run = status(Map.of(), "--store", json.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("store   " + json + " (a JSON state file; 'tablease import' makes a store from it)"), run.out());
        assertTrue(run.out().contains("TABS: 2 of 8 (chatgpt 1/1, claude 1/1)"), run.out());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(json), "read-only");
    }

    @Test
    void aCorruptStateFileExitsOneNamingTheProblem() throws Exception {
        Path file = tmp.resolve("state.json");
        Files.writeString(file, "{\"format\":\"tablease-state\"", StandardCharsets.UTF_8);
        CliRun run = status(Map.of(), "--store", file.toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().contains("TRUNCATED"), run.err());
    }

    @Test
    void wrongArgumentsExitTwoWithTheUsage() {
        for (String[] args : new String[][] {{"extra"}, {"--store"}, {"--json=yes"}, {"--verbose"}}) {
            CliRun run = status(Map.of(), args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease status [--store <tablease.db | postgresql://… | state.json>] [--json]"), run.err());
        }
    }
}

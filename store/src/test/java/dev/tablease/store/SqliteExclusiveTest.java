package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SqliteKernelStore.Options#withExclusive exclusive} stores: the database is this process's alone from open to
 * close ({@code processLocal()}), and every other opener — another store of this process, or another OS process,
 * exclusive or not — gets a {@link StoreLockedException} at once, not a 30 s busy wait; an exclusive open of a
 * database another process has open is refused the same way. The default (shared) mode is unchanged.
 */
@Timeout(120)
class SqliteExclusiveTest {

    @TempDir
    Path dir;

    private static SqliteKernelStore open(Path db, boolean exclusive) {
        return SqliteKernelStore.open(db, CONFIG, MillisClock.system(),
                SqliteKernelStore.Options.defaults().withExclusive(exclusive));
    }

    @Test
    void anExclusiveStore_isProcessLocal_keepsNoSharedMemoryFile_andSurvivesAReopen() {
        Path db = dir.resolve("x.db");
        KernelState state;
        try (SqliteKernelStore store = open(db, true)) {
            assertTrue(store.processLocal());
            for (int i = 0; i < 5; i++) {
                StoreFixtures.acquireAndRelease(store, "s" + i, "k", "h");
            }
            state = store.snapshot();
            assertFalse(Files.exists(dir.resolve("x.db-shm")), "the WAL index is in this process's memory");
        }
        try (SqliteKernelStore shared = open(db, false)) {
            assertFalse(shared.processLocal(), "a shared store is not process-local");
            assertEquals(state, shared.snapshot(), "closed: anyone may open it again");
        }
        try (SqliteKernelStore again = open(db, true)) {
            assertEquals(state, again.snapshot());
            assertEquals(2, StoreFixtures.acquireAndRelease(again, "after", "k", "h"));
        }
    }

    @Test
    void aSecondStoreOfThisProcess_isRefusedAtOnce_exclusiveOrNot_andTheHolderGoesOn() {
        Path db = dir.resolve("in-process.db");
        try (SqliteKernelStore holder = open(db, true)) {
            holder.apply(Input.Tick::new);
            for (boolean exclusive : new boolean[]{false, true}) {
                long start = System.nanoTime();
                StoreLockedException e = assertThrows(StoreLockedException.class, () -> open(db, exclusive));
                assertTrue(System.nanoTime() - start < 1_000_000_000L, "at once");
                assertEquals(exclusive, e.exclusiveWanted());
                assertEquals(db.toAbsolutePath().normalize(), e.file());
                assertTrue(e.getMessage().contains(exclusive ? "another process has it open" : "held exclusively"),
                        e.getMessage());
                assertTrue(exclusive || e.getMessage().contains("GET /v1/status"), e.getMessage());
            }
            assertTrue(SqliteKernelStore.isDatabaseFile(db));
            assertEquals(3, StoreFixtures.acquireAndRelease(holder, "s", "k", "h"), "the holder goes on");
        }
        try (SqliteKernelStore after = open(db, false)) {
            assertEquals(4, after.log(0, 100).size(), "closed: the next opener reads every row");
        }
    }

    @Test
    void anExclusiveOpen_whileASharedStoreOfThisProcessIsOpen_isRefused() {
        Path db = dir.resolve("shared-first.db");
        try (SqliteKernelStore shared = open(db, false)) {
            shared.apply(Input.Tick::new);
            long start = System.nanoTime();
            StoreLockedException e = assertThrows(StoreLockedException.class, () -> open(db, true));
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "within the open wait");
            assertTrue(e.exclusiveWanted());
            shared.apply(Input.Tick::new); // the shared store goes on
        }
    }

    @Test
    void anotherProcess_isRefusedQuickly_whileThisOneHoldsTheDatabase() throws Exception {
        Path db = dir.resolve("held-here.db");
        try (SqliteKernelStore holder = open(db, true)) {
            holder.apply(Input.Tick::new);
            for (String exclusive : new String[]{"false", "true"}) {
                try (Child c = new Child(dir.resolve("try-" + exclusive + ".err"), "tryopen", db.toString(), exclusive)) {
                    String line = c.await("locked", 60_000);
                    String[] parts = line.split(" ", 4);
                    assertTrue(Long.parseLong(parts[1]) < 5_000, "refused within the open wait, not 30 s: " + line);
                    assertEquals(exclusive, parts[2]);
                    c.finish(30_000);
                }
            }
            assertEquals(3, StoreFixtures.acquireAndRelease(holder, "s", "k", "h"), "the holder goes on");
        }
        try (Child c = new Child(dir.resolve("after.err"), "tryopen", db.toString(), "false")) {
            c.await("opened", 60_000);
            c.finish(30_000);
        }
    }

    @Test
    void thisProcess_isRefusedQuickly_whileAnotherProcessHoldsTheDatabase_andAnExclusiveOpenWhileItIsShared()
            throws Exception {
        Path db = dir.resolve("held-there.db");
        for (String childExclusive : new String[]{"true", "false"}) {
            try (Child c = new Child(dir.resolve("hold-" + childExclusive + ".err"), "hold", db.toString(), childExclusive)) {
                c.await("held", 60_000);
                long start = System.nanoTime();
                StoreLockedException e = assertThrows(StoreLockedException.class,
                        () -> open(db, !Boolean.parseBoolean(childExclusive)));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 5_000, "refused within the open wait, not 30 s: " + millis + " ms");
                assertEquals(!Boolean.parseBoolean(childExclusive), e.exclusiveWanted(), e.getMessage());
                c.send("stop");
                c.finish(30_000);
            }
        }
        try (SqliteKernelStore store = open(db, true)) {
            assertEquals(2, store.log(0, 100).size(), "each holder's one tick");
        }
    }
}

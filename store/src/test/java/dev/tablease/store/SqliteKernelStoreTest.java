package dev.tablease.store;

import dev.tablease.kernel.Input;
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
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link SqliteKernelStore} in one process: the {@link InputLogStoreContract} on an SQLite file per test, then what
 * only SQLite has: the boot-clock time line and the import of a state.
 */
@Timeout(60)
class SqliteKernelStoreTest extends InputLogStoreContract {

    @TempDir
    Path dir;

    /** Names the databases {@link #newDatabase} hands out. */
    private final AtomicInteger databases = new AtomicInteger();

    @Override
    String newDatabase() {
        return dir.resolve("db-" + databases.incrementAndGet() + ".db").toString();
    }

    @Override
    KernelStore open(String db, int snapshotEvery) {
        return SqliteKernelStore.open(Path.of(db), CONFIG, MillisClock.system(),
                SqliteKernelStore.Options.defaults().withDurable(false).withSnapshotEvery(snapshotEvery));
    }

    @Override
    KernelStore open(String db, KernelConfig config) {
        return SqliteKernelStore.open(Path.of(db), config);
    }

    @Override
    KernelStore openExisting(String db) {
        return SqliteKernelStore.openExisting(Path.of(db), MillisClock.system(), SqliteKernelStore.Options.defaults());
    }

    @Override
    List<LogRow> log(KernelStore store) {
        return ((SqliteKernelStore) store).log(0, 1_000);
    }

    @Override
    void sql(String db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    @Override
    long count(String db, String query) throws Exception {
        return Long.parseLong(string(db, query));
    }

    @Override
    String string(String db, String query) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    String[] appendRaw(long seq, String input) {
        return new String[]{"INSERT INTO tablease_log (seq, now, input, decisions) VALUES (" + seq + ", 0, '" + input + "', '[]')"};
    }

    @Override
    void importState(String db, KernelConfig config, KernelState state) {
        SqliteKernelStore.importState(Path.of(db), config, state, null,
                SqliteKernelStore.Options.defaults().withDurable(false));
    }

    @Override
    long tableaseTables(String db) throws Exception {
        if (!Files.exists(Path.of(db))) {
            return 0;
        }
        return count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'tablease_%'");
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
    void optionsRefuseImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> SqliteKernelStore.Options.defaults().withSnapshotEvery(0));
        assertThrows(IllegalArgumentException.class,
                () -> new SqliteKernelStore.Options(true, 10, 0, BootClock.system()));
        assertNotNull(SqliteKernelStore.Options.defaults().bootClock());
    }
}

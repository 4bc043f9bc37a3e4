package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.StateFile.ClockAnchor;
import dev.tablease.store.StoreFixtures.FakeBoot;
import dev.tablease.store.StoreFixtures.FakeWall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SQLite store's time rule on one host (docs/store.md, "Time"), with fake wall and boot clocks. */
class StoreClockTest {

    private static final long HOUR = 3_600_000L;
    private static final long BEAT = CONFIG.heartbeatIntervalMillis();

    @TempDir
    Path dir;

    private final FakeWall wall = new FakeWall(1_700_000_000_000L);
    private final FakeBoot boot = new FakeBoot();

    private SqliteKernelStore open(MillisClock clock, BootClock bootClock) {
        return SqliteKernelStore.open(dir.resolve("tablease.db"), CONFIG, clock,
                SqliteKernelStore.Options.defaults().withDurable(false).withBootClock(bootClock));
    }

    private static long lastNow(SharedLeaseKernel.Step step) {
        return step.inputs().get(step.inputs().size() - 1).now();
    }

    /** Acquires session s on a new tab; returns the token. */
    private static long grant(SqliteKernelStore store) {
        store.apply(now -> new Input.Acquire(now, "s", "k", "h", "default"));
        return StoreFixtures.granted(store.apply(now -> new Input.TabOpened(now, 1, "t1")), "s").token();
    }

    private static SharedLeaseKernel.Step beat(SqliteKernelStore store, long token) {
        return store.apply(now -> new Input.Heartbeat(now, "s", token));
    }

    @Test
    void a_forward_wall_clock_jump_of_an_hour_does_not_expire_a_driver_that_keeps_heartbeating() {
        try (SqliteKernelStore store = open(wall, boot)) {
            long token = grant(store);
            long before = store.snapshot().lastNow();
            wall.millis.addAndGet(HOUR);
            for (int i = 0; i < 5; i++) {
                boot.millis.addAndGet(BEAT);
                wall.millis.addAndGet(BEAT);
                SharedLeaseKernel.Step step = beat(store, token);
                assertEquals(1, step.decisions().size(), step.decisions().toString());
                assertInstanceOf(Decision.Extended.class, step.decisions().get(0));
            }
            assertEquals(before + 5 * BEAT, store.snapshot().lastNow(), "time advanced by the boot clock only");
        }
    }

    @Test
    void a_backward_wall_clock_jump_does_not_stop_time_so_a_dead_driver_still_loses_its_lease_on_time() {
        try (SqliteKernelStore store = open(wall, boot)) {
            long token = grant(store);
            wall.millis.addAndGet(-HOUR);
            boot.millis.addAndGet(CONFIG.heartbeatTimeoutMillis() - 1);
            assertInstanceOf(Decision.Extended.class, beat(store, token).decisions().get(0), "alive 1 ms before the timeout");
            boot.millis.addAndGet(CONFIG.heartbeatTimeoutMillis());
            SharedLeaseKernel.Step tick = store.apply(Input.Tick::new);
            Decision.Revoked revoked = assertInstanceOf(Decision.Revoked.class, tick.decisions().get(0));
            assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked.reason());
        }
    }

    @Test
    void processes_with_skewed_wall_clocks_share_one_time_line() {
        FakeWall ahead = new FakeWall(wall.millis() + HOUR);
        FakeWall behind = new FakeWall(wall.millis() - HOUR);
        try (SqliteKernelStore first = open(wall, boot);
             SqliteKernelStore fast = open(ahead, boot);
             SqliteKernelStore slow = open(behind, boot)) {
            long token = grant(first);
            long t0 = first.snapshot().lastNow();
            SqliteKernelStore[] turns = {fast, slow, first, slow, fast};
            for (int i = 0; i < turns.length; i++) {
                boot.millis.addAndGet(BEAT);
                SharedLeaseKernel.Step step = beat(turns[i], token);
                assertInstanceOf(Decision.Extended.class, step.decisions().get(0));
                assertEquals(t0 + (i + 1) * BEAT, lastNow(step));
            }
        }
    }

    @Test
    void after_a_reboot_the_wall_clock_sets_the_time_line_once_and_never_moves_it_back() {
        try (SqliteKernelStore store = open(wall, boot)) {
            long token = grant(store);
            long before = store.snapshot().lastNow();

            boot.bootId = "boot-2";
            boot.millis.set(5);
            wall.millis.set(before + HOUR);
            SharedLeaseKernel.Step step = beat(store, token);
            assertEquals(before + HOUR, lastNow(step), "the boot clock of another boot is not comparable: the wall clock decides");
            assertInstanceOf(Decision.Revoked.class, step.decisions().get(0), "the drivers of the old boot are gone");

            boot.millis.addAndGet(250);
            wall.millis.addAndGet(HOUR);
            assertEquals(before + HOUR + 250, lastNow(store.apply(Input.Tick::new)), "anchored on boot-2: the wall is ignored again");

            boot.bootId = "boot-3";
            boot.millis.set(5);
            wall.millis.set(before - HOUR);
            assertEquals(before + HOUR + 250, lastNow(store.apply(Input.Tick::new)), "a wall clock behind waits at the last now");
            boot.millis.addAndGet(100);
            assertEquals(before + HOUR + 350, lastNow(store.apply(Input.Tick::new)), "and then advances by the boot clock");
        }
    }

    @Test
    void without_a_boot_clock_now_is_the_wall_clock_clamped_and_a_forward_jump_expires_leases() {
        try (SqliteKernelStore store = open(wall, BootClock.none())) {
            long token = grant(store);
            long before = store.snapshot().lastNow();
            wall.millis.addAndGet(-HOUR);
            assertEquals(before, lastNow(beat(store, token)), "a backward jump waits at the last now");
            wall.millis.addAndGet(2 * HOUR);
            SharedLeaseKernel.Step step = beat(store, token);
            Decision.Revoked revoked = assertInstanceOf(Decision.Revoked.class, step.decisions().get(0),
                    "the documented limit of the fallback: a forward jump looks like elapsed time");
            assertEquals(RevokeReason.HEARTBEAT_MISSED, revoked.reason());
        }
    }

    @Test
    void a_due_tick_is_applied_before_the_input() {
        try (SqliteKernelStore store = open(wall, boot)) {
            long token = grant(store);
            boot.millis.addAndGet(CONFIG.heartbeatTimeoutMillis());
            SharedLeaseKernel.Step late = beat(store, token);
            assertEquals(2, late.inputs().size());
            assertInstanceOf(Input.Tick.class, late.inputs().get(0));
            assertInstanceOf(Decision.Revoked.class, late.decisions().get(0));
            assertInstanceOf(Decision.Refused.class, late.decisions().get(late.decisions().size() - 1));
        }
    }

    @Test
    void the_time_rule_by_cases() {
        ClockAnchor anchor = new ClockAnchor("b", 1_000, 50_000);
        assertEquals(50_250, SqliteKernelStore.nowFor(anchor, new BootClock.Reading("b", 1_250), 9_999_999, 50_000));
        assertEquals(60_000, SqliteKernelStore.nowFor(anchor, new BootClock.Reading("b", 1_250), 0, 60_000), "never below lastNow");
        assertEquals(50_000, SqliteKernelStore.nowFor(anchor, new BootClock.Reading("b", 900), 0, 0), "boot clock never read backwards");
        assertEquals(70_000, SqliteKernelStore.nowFor(anchor, new BootClock.Reading("other", 5), 70_000, 50_000), "reboot: wall");
        assertEquals(70_000, SqliteKernelStore.nowFor(anchor, null, 70_000, 50_000), "no boot clock now: wall");
        assertEquals(70_000, SqliteKernelStore.nowFor(null, new BootClock.Reading("b", 5), 70_000, 50_000), "no anchor: wall");
        assertEquals(0, SqliteKernelStore.nowFor(null, null, -5, 0), "never negative");
    }

    @Test
    void the_linux_boot_clock_parses_proc_uptime_and_moves_forward() throws Exception {
        assertEquals(12_345_670, BootClock.LinuxBootClock.parseUptimeMillis("12345.67 2345.67\n"));
        assertEquals(7_000, BootClock.LinuxBootClock.parseUptimeMillis("7 1"));
        BootClock system = BootClock.system();
        BootClock.Reading a = system.read();
        if (a != null) { // Linux
            Thread.sleep(30);
            BootClock.Reading b = system.read();
            assertEquals(a.bootId(), b.bootId());
            assertTrue(b.millis() >= a.millis() + 20, a + " then " + b);
        }
    }

    @Test
    void the_anchor_row_is_rewritten_only_when_the_time_line_moves_and_every_now_is_the_same_either_way() {
        try (SqliteKernelStore store = open(wall, boot)) {
            long token = grant(store);
            ClockAnchor first = store.clockAnchor();
            boot.millis.addAndGet(BEAT);
            SharedLeaseKernel.Step step = beat(store, token);
            assertEquals(first, store.clockAnchor(), "a transition on the anchor's line leaves the row as it is");
            assertEquals(first.storeMillis() + (boot.millis.get() - first.bootMillis()), lastNow(step),
                    "and its now is the boot clock's advance on that line");
            assertEquals(lastNow(step), SqliteKernelStore.nowFor(first, boot.read(), wall.millis(), lastNow(step)));
            boot.bootId = "boot-2"; // a reboot: the wall clock sets the line again, and the row is rewritten
            wall.millis.addAndGet(HOUR);
            long rebooted = lastNow(store.apply(Input.Tick::new));
            ClockAnchor second = store.clockAnchor();
            assertEquals(new ClockAnchor("boot-2", boot.millis.get(), rebooted), second);
            assertTrue(SqliteKernelStore.sameTimeLine(second, new ClockAnchor("boot-2", second.bootMillis() + 7,
                    second.storeMillis() + 7)), "7 ms later on the same line");
            assertTrue(!SqliteKernelStore.sameTimeLine(second, new ClockAnchor("boot-2", second.bootMillis() + 7,
                    second.storeMillis())), "time that waited at lastNow moves the line");
        }
    }
}

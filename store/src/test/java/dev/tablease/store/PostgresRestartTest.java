package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.trace.TraceCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An immediate shutdown of the PostgreSQL server ({@code pg_ctl stop -m immediate}: connections cut, no
 * checkpoint; crash recovery at the restart) while four drivers write and a fifth instance waits for changes:
 * the calls in flight get a retryable {@link StoreDatabaseException}, every store goes on after reconnecting, and
 * nothing a driver saw committed is lost. The server is this test's own ({@link PostgresCluster#start()}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PostgresRestartTest {

    /** One driver's record: the writes it saw committed, the errors it got. */
    private static final class Driver {
        final Set<Long> committed = ConcurrentHashMap.newKeySet();
        final List<StoreDatabaseException> errors = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final AtomicLong last = new AtomicLong();
    }

    @Test
    void anImmediateServerShutdownMidRun_givesRetryableErrors_andEveryStoreGoesOnAfterReconnect_losingNothing()
            throws Exception {
        try (PostgresCluster own = PostgresCluster.start()) {
            String db = own.newDatabase();
            int drivers = 4;
            AtomicBoolean stop = new AtomicBoolean();
            List<Driver> records = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < drivers; i++) {
                Driver r = new Driver();
                records.add(r);
                String session = "d" + i;
                threads.add(new Thread(() -> drive(db, session, r, stop), "driver-" + i));
            }
            List<StoreDatabaseException> waiterErrors = new CopyOnWriteArrayList<>();
            AtomicLong waiterSaw = new AtomicLong();
            Thread waiter = new Thread(() -> {
                try (PostgresKernelStore store = open(db)) {
                    long seen = 0;
                    while (!stop.get()) {
                        try {
                            seen = store.awaitChange(seen, Duration.ofMillis(500));
                            waiterSaw.set(seen);
                        } catch (StoreDatabaseException e) {
                            waiterErrors.add(e);
                            sleep(50);
                        }
                    }
                }
            }, "waiter");
            threads.forEach(Thread::start);
            waiter.start();

            awaitCommits(records, 20, 60_000);
            own.crashAndRestart();
            long headAfterRestart;
            try (PostgresKernelStore probe = open(db)) {
                headAfterRestart = probe.headSeq();
            }
            Map<Driver, Integer> before = new HashMap<>();
            records.forEach(r -> before.put(r, r.committed.size()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (records.stream().anyMatch(r -> r.committed.size() < before.get(r) + 20)
                    || waiterSaw.get() <= headAfterRestart) {
                assertTrue(System.currentTimeMillis() < deadline, "the stores did not go on after the restart");
                Thread.sleep(20);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            waiter.join(30_000);

            List<StoreDatabaseException> all = new ArrayList<>();
            for (Driver r : records) {
                assertEquals(List.of(), r.failures, "only typed, retryable errors");
                all.addAll(r.errors);
            }
            assertFalse(all.isEmpty(), "the shutdown hit calls in flight");
            for (StoreDatabaseException e : all) {
                assertTrue(e.retryable(), e.getMessage());
                String state = ((SQLException) e.getCause()).getSQLState();
                assertTrue(state.startsWith("08") || state.startsWith("57P"), "a lost connection or a shutdown: " + state);
            }
            assertFalse(waiterErrors.isEmpty(), "the listening connection was cut too");
            assertTrue(waiterErrors.stream().allMatch(StoreDatabaseException::retryable));
            System.out.println("restart test: " + all.size() + " retryable errors of drivers (" + all.stream()
                    .filter(StoreDatabaseException::inDoubt).count() + " in doubt), " + waiterErrors.size()
                    + " of the waiter; first: " + all.get(0).getMessage());

            try (PostgresKernelStore store = open(db)) {
                Map<String, Set<Long>> inLog = writesInLog(store);
                KernelState end = store.snapshot();
                assertEquals(List.of(), InvariantChecker.check(CONFIG, end));
                assertEquals(1 + drivers, end.nextToken(), "one grant per driver: none lost, none repeated");
                for (int i = 0; i < drivers; i++) {
                    Driver r = records.get(i);
                    Set<Long> missing = new HashSet<>(r.committed);
                    missing.removeAll(inLog.getOrDefault("d" + i, Set.of()));
                    assertEquals(Set.of(), missing, "d" + i + ": writes the driver saw committed");
                    String session = "d" + i;
                    Session s = end.sessions().stream().filter(x -> x.sessionId().equals(session)).findFirst().orElseThrow();
                    assertNotNull(s.lease(), "the lease survived the restart");
                    assertEquals(r.last.get(), StoreWorker.urlNumber(s), "the last write is the state");
                }
            }
        }
    }

    private static PostgresKernelStore open(String db) {
        return PostgresKernelStore.open(db, new Properties(), CONFIG, MillisClock.system(),
                PostgresKernelStore.Options.defaults().withLockTimeoutMillis(10_000));
    }

    /** Acquires {@code session}, then writes its URL 1, 2, 3 … until stopped; retries each call until it returns. */
    private static void drive(String db, String session, Driver r, AtomicBoolean stop) {
        try (PostgresKernelStore store = open(db)) {
            SharedLeaseKernel.Step step = retry(r, () -> store.apply(now -> new Input.Acquire(now, session, session, "driver",
                    KernelConfig.DEFAULT_CLASS)));
            Decision.Granted g = StoreFixtures.granted(step, session);
            if (g == null) {
                Decision.OpenTab open = step.decisions().stream().filter(Decision.OpenTab.class::isInstance)
                        .map(Decision.OpenTab.class::cast).findFirst().orElseThrow();
                g = StoreFixtures.granted(retry(r, () -> store.apply(now -> new Input.TabOpened(now, open.tabId(), "t" + open.tabId()))),
                        session);
            }
            long token = g.token();
            for (long n = 1; !stop.get(); n++) {
                long url = n;
                SharedLeaseKernel.Step w = retry(r, () -> store.apply(now -> new Input.UpdateSession(now, session, token,
                        StoreWorker.URL_PREFIX + url)));
                if (w.decisions().stream().noneMatch(Decision.Updated.class::isInstance)) {
                    throw new AssertionError(session + ": write " + url + " refused: " + w.decisions());
                }
                r.committed.add(url);
                r.last.set(url);
            }
        } catch (Throwable t) {
            r.failures.add(t);
        }
    }

    private interface Call {
        SharedLeaseKernel.Step run();
    }

    /** Makes the call until it returns; a retryable error is recorded and retried, anything else fails the driver. */
    private static SharedLeaseKernel.Step retry(Driver r, Call call) {
        long deadline = System.currentTimeMillis() + 90_000;
        while (true) {
            try {
                return call.run();
            } catch (StoreDatabaseException e) {
                if (!e.retryable() || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                r.errors.add(e);
                sleep(20);
            }
        }
    }

    private static void awaitCommits(List<Driver> records, int each, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (records.stream().anyMatch(r -> r.committed.size() < each)) {
            assertTrue(System.currentTimeMillis() < deadline, "the drivers did not start");
            Thread.sleep(10);
        }
    }

    private static Map<String, Set<Long>> writesInLog(PostgresKernelStore store) throws Exception {
        TraceCodec codec = new TraceCodec();
        Map<String, Set<Long>> writes = new HashMap<>();
        long seq = 0;
        for (List<LogRow> rows = store.log(0, 5_000); !rows.isEmpty(); rows = store.log(seq, 5_000)) {
            for (LogRow row : rows) {
                assertEquals(seq + 1, row.seq(), "no gap");
                seq = row.seq();
                if (codec.decodeInput(codec.parseObject(row.input())) instanceof Input.UpdateSession u
                        && row.decisions().contains("\"Updated\"")) {
                    writes.computeIfAbsent(u.sessionId(), s -> new HashSet<>())
                            .add(Long.parseLong(u.conversationUrl().substring(StoreWorker.URL_PREFIX.length())));
                }
            }
        }
        return writes;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

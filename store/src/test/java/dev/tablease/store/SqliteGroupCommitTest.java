package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SqliteKernelStore}'s group commit ({@link GroupCommit}): inputs that threads of one store submit while a
 * transaction is in flight are committed together, one log row per input, each caller getting its own step; a refused
 * input in a group writes nothing and fails its own caller only. The groups are made deterministic by a leader whose
 * input function waits (inside its transaction) until the other threads have queued.
 */
@Timeout(120)
class SqliteGroupCommitTest {

    @TempDir
    Path dir;

    private SqliteKernelStore open(String name) {
        return SqliteKernelStore.open(dir.resolve(name), CONFIG, MillisClock.system(), SqliteKernelStore.Options.defaults());
    }

    private static LongFunction<Input> acquire(String session, String cls) {
        return now -> new Input.Acquire(now, session, "k-" + session, "h", cls);
    }

    /** Waits until {@code n} transitions are queued behind the current transaction. */
    private static void awaitQueued(SqliteKernelStore store, int n) {
        long end = System.nanoTime() + 20_000_000_000L;
        while (store.queued() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("only " + store.queued() + " of " + n + " transitions queued");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The leader's transition waits inside its transaction until {@code others.size()} transitions are queued; each
     * other input is submitted by its own thread.
     *
     * @return each other input's result (a step or the exception it threw), in the order of {@code others}
     */
    private static List<Object> behindOneLeader(SqliteKernelStore store, List<LongFunction<Input>> others)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(others.size() + 1);
        try {
            CountDownLatch inside = new CountDownLatch(1);
            Future<SharedLeaseKernel.Step> leader = pool.submit(() -> store.apply(now -> {
                inside.countDown();
                awaitQueued(store, others.size());
                return new Input.Acquire(now, "leader", "k-leader", "h", KernelConfig.DEFAULT_CLASS);
            }));
            inside.await();
            List<Future<SharedLeaseKernel.Step>> futures = new ArrayList<>();
            for (LongFunction<Input> f : others) {
                futures.add(pool.submit(() -> store.apply(f)));
            }
            leader.get();
            List<Object> results = new ArrayList<>();
            for (Future<SharedLeaseKernel.Step> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Asserts that the log's rows are 1..n without a gap and returns their inputs' JSON. */
    private static List<String> assertNoGap(SqliteKernelStore store) {
        List<LogRow> rows = store.log(0, 100_000);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i + 1, rows.get(i).seq(), "row " + (i + 1) + " of " + rows.size());
            inputs.add(rows.get(i).input());
        }
        return inputs;
    }

    @Test
    void inputsQueuedBehindATransaction_areCommittedTogether_eachCallerGetsItsOwnStep_oneRowPerInput() throws Exception {
        try (SqliteKernelStore store = open("group.db")) {
            int n = 7;
            List<LongFunction<Input>> others = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                others.add(acquire("s" + i, KernelConfig.DEFAULT_CLASS));
            }
            long commitsBefore = store.commits();
            List<Object> results = behindOneLeader(store, others);

            assertEquals(2, store.commits() - commitsBefore, "the leader's transaction, then one for the 7 queued");
            Set<Long> nows = new HashSet<>();
            for (int i = 0; i < n; i++) {
                SharedLeaseKernel.Step step = assertInstanceOf(SharedLeaseKernel.Step.class, results.get(i));
                Input.Acquire own = assertInstanceOf(Input.Acquire.class, step.inputs().get(step.inputs().size() - 1));
                assertEquals("s" + i, own.sessionId(), "each caller gets its own step");
                String key = "k-s" + i;
                String session = "s" + i;
                assertTrue(step.decisions().stream().allMatch(d -> d.toString().contains(session)
                                || d.toString().contains(key) || d instanceof dev.tablease.kernel.Decision.Queued),
                        "only its own decisions: " + step.decisions());
                nows.add(own.now());
            }
            assertEquals(1, nows.size(), "one now for the group: " + nows);
            List<String> inputs = assertNoGap(store);
            for (int i = 0; i < n; i++) {
                String session = "\"s" + i + "\"";
                assertEquals(1, inputs.stream().filter(x -> x.contains(session)).count(), "one row for s" + i);
            }
            KernelState state = store.snapshot();
            store.close();
            try (SqliteKernelStore again = open("group.db")) { // verifyOnOpen replays every row from row 1
                assertEquals(state, again.snapshot());
            }
        }
    }

    @Test
    void aRefusedInputInAGroup_writesNothing_andThrowsItsOwnException_whileTheOthersCommit() throws Exception {
        try (SqliteKernelStore store = open("refused.db")) {
            StoreFixtures.acquireAndRelease(store, "before", "k", "h");
            List<LongFunction<Input>> others = new ArrayList<>();
            others.add(acquire("a", KernelConfig.DEFAULT_CLASS));
            others.add(acquire("refused", "no-such-class"));
            others.add(acquire("b", KernelConfig.DEFAULT_CLASS));
            others.add(now -> {
                throw new IllegalStateException("this caller's input function failed");
            });
            others.add(acquire("c", KernelConfig.DEFAULT_CLASS));
            long commitsBefore = store.commits();
            List<Object> results = behindOneLeader(store, others);

            InvalidInputException refused = assertInstanceOf(InvalidInputException.class, results.get(1));
            assertEquals(InvalidInputException.Problem.UNKNOWN_REQUEST_CLASS, refused.problem());
            assertEquals("this caller's input function failed",
                    assertInstanceOf(IllegalStateException.class, results.get(3)).getMessage());
            for (int i : new int[]{0, 2, 4}) {
                SharedLeaseKernel.Step step = assertInstanceOf(SharedLeaseKernel.Step.class, results.get(i));
                assertEquals(List.of("a", "b", "c").get(i / 2),
                        ((Input.Acquire) step.inputs().get(step.inputs().size() - 1)).sessionId());
            }
            assertEquals(1 + 3, store.commits() - commitsBefore,
                    "the leader's, then the group rolled back and its three good inputs committed alone");
            List<String> inputs = assertNoGap(store);
            assertTrue(inputs.stream().noneMatch(x -> x.contains("refused")), "the refused input wrote nothing");
            for (String s : List.of("a", "b", "c", "leader")) {
                assertEquals(1, inputs.stream().filter(x -> x.contains("\"" + s + "\"")).count(), "one row for " + s);
            }
            KernelState state = store.snapshot();
            assertTrue(state.sessions().stream().noneMatch(s -> s.sessionId().equals("refused")));
            try (SqliteKernelStore other = SqliteKernelStore.open(dir.resolve("refused.db"), CONFIG)) {
                assertEquals(state, other.snapshot(), "the in-memory kernel is the log's state");
            }
            assertEquals(2, StoreFixtures.acquireAndRelease(store, "after", "k", "h"), "the store goes on (the pooled tab of k)");
            assertNoGap(store);
        }
    }

    @Test
    void threadsOfOneStore_shareCommits_andLoseNoUpdate() throws Exception {
        int threads = 8;
        int pairs = 15;
        try (SqliteKernelStore store = open("threads.db")) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            int transitions = 0;
            try {
                List<Future<Integer>> done = StoreFixtures.submitSessions(pool, start, store, threads, pairs);
                start.countDown();
                for (Future<Integer> f : done) {
                    transitions += f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            KernelState s = store.snapshot();
            assertEquals(1 + threads * pairs, s.nextToken(), "every thread's grants, none lost");
            assertTrue(store.commits() < transitions, store.commits() + " commits for " + transitions + " transitions");
            assertTrue(assertNoGap(store).size() >= transitions);
        }
    }
}

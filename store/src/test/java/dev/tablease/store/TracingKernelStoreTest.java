package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.replay.ReplaySummary;
import dev.tablease.replay.TraceReplayer;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recording decorator: one trace step per input (an automatic Tick split off), and the trace replays. */
class TracingKernelStoreTest {

    static final KernelConfig CONFIG = KernelConfig.builder().heartbeatIntervalMillis(100).missedHeartbeats(2)
            .requestClass("default", 1_000).deadlineMarginMillis(0).build();

    @TempDir
    Path tmp;

    @Test
    void everyInputIsAStepWithItsOwnDecisionsAndTheTraceReplays() throws Exception {
        AtomicLong clock = new AtomicLong(10);
        Path file = tmp.resolve("t/trace.jsonl");
        TracingKernelStore store = TracingKernelStore.open(new InMemoryKernelStore(CONFIG, clock::get), file);
        SharedLeaseKernel.Step a = store.apply(now -> new Input.Acquire(now, "s1", "k", "h", "default"));
        long tab = ((Decision.OpenTab) a.decisions().get(0)).tabId();
        store.apply(now -> new Input.TabOpened(now, tab, "T1"));
        clock.set(500); // the driver's lease is overdue: the store applies a Tick before the input
        SharedLeaseKernel.Step late = store.apply(now -> new Input.Heartbeat(now, "s1", 1));
        assertEquals(2, late.inputs().size(), late.toString());
        clock.set(600);
        assertThrows(RuntimeException.class, () -> store.apply(now -> new Input.Acquire(now, "s2", "k", "h", "gold")));
        clock.set(2_000);
        store.apply(Input.Tick::new);
        store.closeTrace();
        assertEquals(0, store.divergences(), store.firstDivergences().toString());
        assertTrue(store.steps() >= 5, "steps: " + store.steps());

        try (TraceReader reader = TraceReader.open(file)) {
            List<TraceStep> steps = reader.readAll();
            assertEquals(store.steps(), steps.size());
            assertTrue(steps.get(2).input() instanceof Input.Tick, steps.toString());
            assertTrue(steps.get(2).decisions().stream().anyMatch(Decision.Revoked.class::isInstance), steps.toString());
            assertTrue(steps.get(3).input() instanceof Input.Heartbeat, steps.toString());
        }
        try (TraceReader reader = TraceReader.open(file)) {
            ReplaySummary summary = new TraceReplayer().replay(reader, step -> { });
            assertTrue(summary.describe().contains("recorded decisions matched on " + store.steps() + " of " + store.steps()),
                    summary.describe());
        }
    }

    @Test
    void aStoreThatIsNotEmptyCannotBeTraced() {
        InMemoryKernelStore used = new InMemoryKernelStore(CONFIG, () -> 5);
        used.apply(now -> new Input.Acquire(now, "s1", "k", "h", "default"));
        assertThrows(IllegalArgumentException.class, () -> TracingKernelStore.open(used, tmp.resolve("x.jsonl")));
    }
}

package dev.tablease.serve.internal;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.MillisClock;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The observed store keeps the timeline's steps up to its bound, counts decisions, and the page says what it dropped. */
class ObservedStoreTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final KernelConfig config = KernelConfig.builder().maxPerKey(1).globalMax(2).build();

    @Test
    void keepsStepsUpToItsBound_thenCountsTheDropped_andThePageSaysSo() {
        ServiceMetrics metrics = new ServiceMetrics();
        try (InMemoryKernelStore inner = new InMemoryKernelStore(config, now::get)) {
            ObservedStore store = new ObservedStore(inner, metrics, 3);
            store.apply(t -> new Input.Acquire(t, "s1", "k", "h1", KernelConfig.DEFAULT_CLASS));
            store.apply(t -> new Input.TabOpened(t, 1, "T1"));
            store.apply(t -> new Input.Acquire(t, "s2", "k", "h2", KernelConfig.DEFAULT_CLASS));
            store.apply(t -> new Input.Acquire(t, "s3", "k", "h3", KernelConfig.DEFAULT_CLASS));

            ObservedStore.Recorded r = store.recorded();
            assertEquals(3, r.steps().size());
            assertEquals(1, r.dropped());
            assertEquals(1, r.steps().get(0).seq());
            String page = LiveTimeline.render(config, r);
            assertTrue(page.contains("stopped recording its timeline after 3 steps; 1 later steps"), page);
            assertFalse(page.contains("cannot be drawn"), page);
            String text = metrics.render(store.snapshot());
            assertTrue(text.contains("tablease_grants_total 1\n"), text);
            assertTrue(text.contains("tablease_transition_seconds_count 4\n"), text);
        }
    }

    @Test
    void aServiceStartedOnAStoreWithSessions_drawsItsTimelineFromWhereItStarted() {
        try (InMemoryKernelStore inner = new InMemoryKernelStore(config, now::get)) {
            inner.apply(t -> new Input.Acquire(t, "before", "k", "h1", KernelConfig.DEFAULT_CLASS));
            inner.apply(t -> new Input.TabOpened(t, 1, "T1"));
            ObservedStore store = new ObservedStore(inner, new ServiceMetrics(), 100);
            now.addAndGet(10);
            long token = store.snapshot().sessions().get(0).lease().token();
            store.apply(t -> new Input.Release(t, "before", token, dev.tablease.kernel.Outcome.COMPLETED));
            store.apply(t -> new Input.Acquire(t, "after", "k", "h2", KernelConfig.DEFAULT_CLASS));

            String page = LiveTimeline.render(config, store.recorded());
            assertFalse(page.contains("cannot be drawn"), page);
            assertTrue(page.contains("after"), page);
        }
    }
}

package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spec -> code: behaviours of TabLeaseSim.tla (TLC -simulate) replayed on the kernel, state compared
 * after every step. See docs/conformance.md.
 */
class ModelBasedTest {

    @Test
    void simulatedBehavioursReplayOnTheKernel() {
        List<ModelBasedReplay.Behaviour> bs = ConformanceFixtures.behaviours();
        assertTrue(bs.size() >= 1000, "TLC wrote only " + bs.size() + " behaviours");
        ModelBasedReplay.Outcome2 o = ModelBasedReplay.replayAll(bs, ConformanceFixtures.SIM, KernelUnderTest.Variant.REAL);
        System.out.printf("conformance: %d behaviours, %d steps replayed on the kernel, %d Tick grant-order resyncs, %d mismatches%n",
                o.behaviours(), o.steps(), o.tickOrderResyncs(), o.mismatches().size());
        assertEquals(List.of(), o.mismatches().subList(0, Math.min(3, o.mismatches().size())),
                "the kernel's state differs from the spec's");
        assertTrue(o.steps() > 10_000, "too few steps replayed: " + o.steps());
    }
}

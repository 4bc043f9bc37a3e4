package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soak, STEP mode: 8 workers with crash injection, tab deaths and a fast fake clock; every step of the
 * real facade is replayed on the pure kernel and every invariant is checked after every input. No
 * violation, and after the drain no session, tab or lease is left.
 */
class SoakWithEveryStepReplayedKeepsInvariantsAndLeaksNothingTest {

    @Test
    void everyStepMatchesTheKernelAndNothingLeaks() throws InterruptedException {
        Soak.Report r = Soak.run(Soak.Settings.defaults().withThreads(SoakBudget.threads())
                .withDuration(SoakBudget.duration(10)).withSeed(SoakBudget.seed()).withCheck(Soak.Check.STEP));
        System.out.print(r.render());
        assertEquals(0, r.violations(), r.render());
        assertEquals(0, r.leakedReservations(), r.render());
        assertTrue(r.grants() > 0 && r.expiries() > 0 && r.reclaimedReservations() > 0 && r.waits() > 0,
                "the workload reached grants, waits, expiries and reclaimed reservations:\n" + r.render());
    }
}

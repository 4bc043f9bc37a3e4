package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soak, SNAPSHOT mode: 8 workers contend for the real facade's lock with crash injection, tab deaths and
 * a fast fake clock; a lock-consistent snapshot is checked after every operation. No violation, tokens
 * and tab ids are never handed out twice, and after the drain nothing is left.
 */
class SoakOnTheContendedFacadeKeepsInvariantsAndLeaksNothingTest {

    @Test
    void contendedFacadeKeepsEveryInvariantAndNothingLeaks() throws InterruptedException {
        Soak.Report r = Soak.run(Soak.Settings.defaults().withThreads(SoakBudget.threads())
                .withDuration(SoakBudget.duration(10)).withSeed(SoakBudget.seed()).withCheck(Soak.Check.SNAPSHOT));
        System.out.print(r.render());
        assertEquals(0, r.violations(), r.render());
        assertEquals(0, r.leakedReservations(), r.render());
        assertTrue(r.grants() > 0 && r.expiries() > 0 && r.reclaimedReservations() > 0 && r.waits() > 0,
                "the workload reached grants, waits, expiries and reclaimed reservations:\n" + r.render());
    }
}

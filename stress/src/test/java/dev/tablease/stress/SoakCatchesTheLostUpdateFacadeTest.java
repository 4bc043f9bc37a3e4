package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** The soak can fail: on the check-then-act facade it reports violations (tokens or tab ids handed out twice) or leaks. */
class SoakCatchesTheLostUpdateFacadeTest {

    @Test
    void lostUpdatesAreReported() throws InterruptedException {
        Soak.Report r = Soak.run(Soak.Settings.defaults().withThreads(8).withDuration(Duration.ofSeconds(3))
                .withSeed(SoakBudget.seed()).withCheck(Soak.Check.SNAPSHOT).withFacade(Facades.LOST_UPDATE));
        System.out.print("[expected to fail] " + r.render());
        assertFalse(r.passed(), "the soak did not notice the lost updates:\n" + r.render());
    }
}

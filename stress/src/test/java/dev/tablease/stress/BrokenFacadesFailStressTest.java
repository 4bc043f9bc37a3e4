package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import static dev.tablease.stress.BrokenOperations.expectViolation;

/** The Lincheck stress test can fail: on the deliberately broken facades it reports "Invalid execution results". */
class BrokenFacadesFailStressTest {

    @Test
    void stressFindsTheLostUpdate() {
        expectViolation(() -> LincheckBudget.stress(BrokenOperations.LostUpdate.class)
                .check(BrokenOperations.LostUpdate.class));
    }

    @Test
    void stressFindsTheMissingLock() {
        expectViolation(() -> LincheckBudget.stress(BrokenOperations.Unlocked.class)
                .check(BrokenOperations.Unlocked.class));
    }
}

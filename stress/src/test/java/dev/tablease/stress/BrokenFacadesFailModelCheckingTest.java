package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import static dev.tablease.stress.BrokenOperations.expectViolation;

/**
 * The Lincheck model-checking test can fail: on the deliberately broken facades it reports
 * "Invalid execution results" (a {@code LincheckAssertionError}) with the interleaving that breaks.
 */
class BrokenFacadesFailModelCheckingTest {

    @Test
    void modelCheckingFindsTheLostUpdate() {
        expectViolation(() -> LincheckBudget.modelChecking(BrokenOperations.LostUpdate.class)
                .check(BrokenOperations.LostUpdate.class));
    }

    @Test
    void modelCheckingFindsTheMissingLock() {
        expectViolation(() -> LincheckBudget.modelChecking(BrokenOperations.Unlocked.class)
                .check(BrokenOperations.Unlocked.class));
    }
}

package dev.tablease.stress;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import org.jetbrains.lincheck.LincheckAssertionError;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lincheck operations on the deliberately broken facades, and the expectation that Lincheck rejects them. */
final class BrokenOperations {
    private BrokenOperations() {
    }

    /** The check-then-act facade: reads the state under its lock, computes outside, writes back. */
    public static class LostUpdate extends LeaseOperations {
        private final LeaseFacade facade = Facades.LOST_UPDATE.create(CONFIG);

        public LostUpdate() {
            setUp();
        }

        @Override
        protected SharedLeaseKernel.Step step(Input input) {
            return facade.apply(input);
        }
    }

    /** The facade with no lock at all. */
    public static class Unlocked extends LeaseOperations {
        private final LeaseFacade facade = Facades.UNLOCKED.create(CONFIG);

        public Unlocked() {
            setUp();
        }

        @Override
        protected SharedLeaseKernel.Step step(Input input) {
            return facade.apply(input);
        }
    }

    static void expectViolation(Runnable lincheck) {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, lincheck::run);
        String message = String.valueOf(e.getMessage());
        System.out.println("[expected] Lincheck on a broken facade:\n"
                + message.substring(0, Math.min(message.length(), 4000)));
        assertTrue(message.contains("Invalid execution results"), message);
    }
}

package dev.tablease.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease stress}: the soak with a tiny budget, the broken facade caught, and usage errors. */
class StressCommandTest {

    @Test
    void aTinySoakOnTheRealFacadePasses() {
        CliRun run = CliRun.run("stress", "--threads", "2", "--seconds=1", "--seed", "42");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("== tablease soak: real facade, 2 threads, check=step, seed=42 =="), run.out());
        assertTrue(run.out().contains("RESULT: PASSED"), run.out());
    }

    @Test
    void theLostUpdateFacadeIsCaughtWithExitOne() {
        CliRun run = CliRun.run("stress", "--facade", "lost-update", "--check", "snapshot", "--threads", "8", "--seconds", "3",
                "--seed", "7");
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().contains("RESULT: FAILED"), run.out());
    }

    @Test
    void wrongArgumentsExitTwoWithTheUsage() {
        for (String[] args : new String[][] {{"stress", "--threads", "0"}, {"stress", "--seconds", "soon"},
                {"stress", "--facade", "other"}, {"stress", "--check", "never"}, {"stress", "extra"},
                {"stress", "--ops", "-1"}, {"stress", "--seed", "x"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease stress [--threads N]"), run.err());
            assertEquals("", run.out());
        }
    }
}

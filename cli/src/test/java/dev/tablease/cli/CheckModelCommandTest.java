package dev.tablease.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease check-model}: TLC on small models (the packaged spec files), and usage errors. */
class CheckModelCommandTest {

    @TempDir
    Path tmp;

    @Test
    void listShowsThePackagedModelsAndWhatIsExpectedOfThem() {
        CliRun run = CliRun.run("check-model", "--list");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().matches("(?s).*TabLeaseSafety +TabLease\\.tla +expect: no error\\n.*"), run.out());
        assertTrue(run.out().matches("(?s).*old/OldNoLeaseTtl +old/OldNoLeaseTtl\\.tla +expect: a violation\\n.*"), run.out());
        assertTrue(run.out().matches("(?s).*old/OldNoLeaseTtlFixed +old/OldNoLeaseTtl\\.tla +expect: no error\\n.*"), run.out());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theSafetyModelPassesAndAnOldDefectIsViolatedAsExpected() {
        CliRun run = CliRun.run("check-model", "--model", "TabLeaseSafety", "--model", "old/OldBindTwoLocks",
                "--model", "old/OldBindTwoLocksFixed.cfg");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().matches("(?s).*\\nok +TabLeaseSafety +expect no error +TLC exit +0 .*"), run.out());
        assertTrue(run.out().contains("Model checking completed. No error has been found."), run.out());
        assertTrue(run.out().matches("(?s).*\\nok +old/OldBindTwoLocks +expect a violation +TLC exit +12 .*"), run.out());
        assertTrue(run.out().contains("Error: Invariant BindingIsReservation is violated."), run.out());
        assertTrue(run.out().matches("(?s).*\\nok +old/OldBindTwoLocksFixed +expect no error +TLC exit +0 .*"), run.out());
        assertTrue(run.out().contains("RESULT: every model gave the expected result"), run.out());
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aModelThatDoesNotGiveTheExpectedResultExitsOneAndKeepsTheOutput() throws Exception {
        // a spec directory in which the "fixed" model is the broken one: TLC finds the violation, unexpected
        Path dir = tmp.resolve("spec/old");
        Files.createDirectories(dir);
        Path old = Path.of(System.getProperty("tablease.spec.dir", "../model-tla/src/main/tla")).resolve("old");
        Files.copy(old.resolve("OldBindTwoLocks.tla"), dir.resolve("OldBindTwoLocks.tla"));
        Files.copy(old.resolve("OldBindTwoLocks.cfg"), dir.resolve("OldBindTwoLocksFixed.cfg"));
        CliRun run = CliRun.run("check-model", "--spec-dir", tmp.resolve("spec").toString(), "--model", "old/OldBindTwoLocksFixed");
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().matches("(?s).*\\nBAD +old/OldBindTwoLocksFixed +expect no error +TLC exit +12 .*"), run.out());
        assertTrue(run.out().contains("unexpected: the TLC output is kept in "), run.out());
        assertTrue(run.out().contains("RESULT: 1 model gave an unexpected result"), run.out());
    }

    @Test
    void wrongArgumentsExitTwoWithTheUsage() {
        for (String[] args : new String[][] {{"check-model", "--model", "NoSuchModel"}, {"check-model", "TabLeaseSafety"},
                {"check-model", "--workers", "0"}, {"check-model", "--model"}, {"check-model", "--spec-dir", "/no/such/dir"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("tablease check-model: "), run.err());
        }
    }
}

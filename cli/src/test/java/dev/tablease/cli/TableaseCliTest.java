package dev.tablease.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's dispatch, help and usage errors. */
class TableaseCliTest {

    @Test
    void helpPrintsTheUsageWithEveryCommandToStdoutAndExitsZero() {
        CliRun run = CliRun.run("--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().startsWith("usage: tablease <command> [arguments]"), run.out());
        for (String command : new String[] {"demo [--agents N]", "replay <trace.jsonl | tablease.db>", "validate [--keep <dir>]",
                "status [--store <tablease.db | state.json>]",
                "stress [--threads N]", "recover [--store <state.json>]", "check-model [--model <name>]",
                "timeline <trace.jsonl | tablease.db> [-o <out.html>]", "export [--store <tablease.db>]",
                "import <state.json> [--store <tablease.db>]"}) {
            assertTrue(run.out().contains(command), command + " in\n" + run.out());
        }
        assertTrue(run.out().contains("exit codes: 0 success, 1"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void helpOfACommandExplainsItsExitCodes() {
        for (CliRun run : new CliRun[] {CliRun.run("help", "replay"), CliRun.run("replay", "--help")}) {
            assertEquals(0, run.exit());
            assertTrue(run.out().startsWith("usage: tablease replay <trace.jsonl | tablease.db>"), run.out());
            assertTrue(run.out().contains("2  line N: a malformed line"), run.out());
        }
    }

    @Test
    void noCommandPrintsAShortUsageToStderrAndExitsTwo() {
        CliRun run = CliRun.run();
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("usage: tablease replay <trace.jsonl | tablease.db>"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void anUnknownCommandPrintsAShortUsageToStderrAndExitsTwo() {
        CliRun run = CliRun.run("deploy");
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("tablease: unknown command 'deploy'"), run.err());
        assertTrue(run.err().contains("usage: tablease replay"), run.err());
    }

    @Test
    void everyCommandHasAHelpWithItsExitCodes() {
        for (Command c : TableaseCli.builtIn()) {
            CliRun run = CliRun.run(c.name(), "--help");
            assertEquals(0, run.exit(), run.toString());
            assertTrue(run.out().startsWith("usage: tablease " + c.name() + " "), run.out());
            assertTrue(run.out().contains("exit codes:"), run.out());
            assertEquals("", run.err());
        }
    }

    @Test
    void anUnknownOptionOfEveryCommandGivesAShortUsageOnStderrAndExitsTwo() {
        for (Command c : TableaseCli.builtIn()) {
            CliRun run = CliRun.run(c.name(), "--no-such-option");
            assertEquals(2, run.exit(), c.name() + ": " + run);
            assertTrue(run.err().contains("usage: tablease " + c.name()), run.err());
            assertEquals("", run.out(), c.name());
        }
    }

    @Test
    void replayWithoutExactlyOneFileExitsTwo() {
        for (String[] args : new String[][] {{"replay"}, {"replay", "a.jsonl", "b.jsonl"}, {"replay", "--verbose"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease replay <trace.jsonl | tablease.db>"), run.err());
        }
    }
}

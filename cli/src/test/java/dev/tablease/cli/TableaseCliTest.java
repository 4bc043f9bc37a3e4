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
        for (String command : new String[] {"demo [--agents N | --agents=node [--client-dir <dir>]]", "replay <trace.jsonl | tablease.db | postgresql://…>",
                "validate [--keep <dir>]", "status [--store <tablease.db | postgresql://… | state.json>]",
                "stress [--threads N]", "check-model [--model <name>]",
                "timeline <trace.jsonl | tablease.db | postgresql://…> [-o <out.html>]",
                "export [--store <tablease.db | postgresql://…>]",
                "import <state.json> [--store <tablease.db | postgresql://…>]"}) {
            assertTrue(run.out().contains(command), command + " in\n" + run.out());
        }
        assertTrue(run.out().contains("exit codes: 0 success, 1"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void helpOfACommandExplainsItsExitCodes() {
        for (CliRun run : new CliRun[] {CliRun.run("help", "replay"), CliRun.run("replay", "--help")}) {
            assertEquals(0, run.exit());
            assertTrue(run.out().startsWith("usage: tablease replay <trace.jsonl | tablease.db | postgresql://…>"), run.out());
            assertTrue(run.out().contains("2  line N: a malformed line"), run.out());
        }
    }

    @Test
    void theRemovedRecoverCommand_exitsTwoSayingWhatToUseInstead() {
        CliRun run = CliRun.run("recover", "--store", "/tmp/state.json");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("tablease: 'recover' was removed: "), run.err());
        assertTrue(run.err().contains("tablease import <state.json>"), run.err());
        assertTrue(run.err().contains("tablease status"), run.err());
        assertTrue(!run.out().contains("recover"), "not listed: " + run.out());
        assertTrue(!CliRun.run("--help").out().contains("recover"), "not in the usage");
    }

    @Test
    void noCommandPrintsAShortUsageToStderrAndExitsTwo() {
        CliRun run = CliRun.run();
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("usage: tablease replay <trace.jsonl | tablease.db | postgresql://…>"), run.err());
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
            assertTrue(run.err().contains("usage: tablease replay <trace.jsonl | tablease.db | postgresql://…>"), run.err());
        }
    }
}

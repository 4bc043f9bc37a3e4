package dev.tablease.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease timeline}: writes the page next to the trace or where -o says; usage errors. */
class TimelineCommandTest {

    @TempDir
    Path tmp;

    private Path trace() throws Exception {
        Path file = tmp.resolve("run.jsonl");
        Files.writeString(file, String.join("\n", ReplayCommandTest.HEADER, ReplayCommandTest.ACQUIRE,
                ReplayCommandTest.OPENED, ReplayCommandTest.TICK) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void writesTheHtmlBesideTheTraceAndPrintsItsPath() throws Exception {
        Path trace = trace();
        CliRun run = CliRun.run("timeline", trace.toString());
        assertEquals(0, run.exit(), run.toString());
        Path html = tmp.resolve("run.html");
        assertEquals(html + "\n", run.out());
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertTrue(page.contains("<svg"), page.substring(0, Math.min(300, page.length())));
    }

    @Test
    void dashOChoosesTheOutputFile() throws Exception {
        Path out = tmp.resolve("pages/t.html");
        CliRun run = CliRun.run("timeline", trace().toString(), "-o", out.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(Files.size(out) > 0);
    }

    @Test
    void anInvalidTraceExitsTwoWithItsLine() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, ReplayCommandTest.HEADER + "\n{\"seq\":1}\n", StandardCharsets.UTF_8);
        CliRun run = CliRun.run("timeline", bad.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 2: "), run.err());
    }

    @Test
    void wrongArgumentsExitTwo() {
        for (String[] args : new String[][] {{"timeline"}, {"timeline", "a.jsonl", "b.jsonl"}, {"timeline", "a.jsonl", "-o"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease timeline <trace.jsonl | tablease.db | postgresql://…> [-o <out.html>]"), run.err());
        }
    }
}

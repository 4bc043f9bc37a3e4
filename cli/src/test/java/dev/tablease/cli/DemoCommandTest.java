package dev.tablease.cli;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.demo.ChromiumSetup;
import dev.tablease.demo.NodeDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tablease demo}: a short run on real headless Chromium whose trace is validated by TLC
 * ({@code --validate}), the missing-browser path, usage errors.
 */
class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aShortDemoKeepsTheCapsLeaksNothingAndItsTraceReplaysAndConformsToTheSpec() throws Exception {
        Path out = tmp.resolve("demo");
        CliRun run = CliRun.run(List.of(new DemoCommand(AdapterConfig.DEFAULT_CHROMIUM, ChromiumSetup::system, false)),
                "demo", "--agents", "6", "--seconds", "20", "--out", out.toString(), "--seed", "1", "--validate");
        String o = run.out();
        assertEquals(0, run.exit(), run.toString());
        // live progress: a status line about once a second
        assertTrue(count(o, "tabs (CDP) chatgpt ") >= 15, o);
        // the summary
        assertTrue(o.contains("== tablease demo: 6 agents over 3 keys, caps 3 per key and 8 in all"), o);
        Matcher perKey = Pattern.compile("most tabs per key +chatgpt (\\d)/3 +claude (\\d)/3 +gemini (\\d)/3").matcher(o);
        assertTrue(perKey.find(), o);
        for (int g = 1; g <= 3; g++) {
            int n = Integer.parseInt(perKey.group(g));
            assertTrue(n >= 1 && n <= 3, o);
        }
        Matcher total = Pattern.compile("most tabs in total +(\\d+)/8 +\\(never above the caps\\)").matcher(o);
        assertTrue(total.find() && Integer.parseInt(total.group(1)) <= 8, o);
        assertTrue(Pattern.compile("grants +\\d{2,}").matcher(o).find(), o);
        assertTrue(Pattern.compile("queue waits +p50 [0-9.]+ s +p99 [0-9.]+ s").matcher(o).find(), o);
        assertTrue(o.contains("crashed agents           2 "), o);
        assertTrue(Pattern.compile("taken over +crash-1: the watcher got token \\d+ on the same tab").matcher(o).find(), o);
        assertTrue(Pattern.compile("reclaimed +reservation of crash-2 on tab \\d+ ended by its deadline").matcher(o).find(), o);
        assertTrue(o.contains(": recovered onto a new tab at its conversation URL"), o);
        assertTrue(Pattern.compile("detached send +a01-s1: the watcher got token \\d+ on the same tab").matcher(o).find(), o);
        assertTrue(Pattern.compile("reclaimed reservations +[1-9]").matcher(o).find(), o);
        assertTrue(o.contains("leaked tabs              0  (after the drain: 0 pages in the browser, 0 tabs in the kernel, 0 sessions)"), o);
        assertTrue(o.contains("RESULT: PASSED"), o);

        // --validate: TLC walked the spec along the whole trace (real times, rebased), one line with the figures
        Path trace = out.resolve("demo-trace.jsonl");
        assertTrue(o.contains("validating the trace against TabLease.tla with TLC ..."), o);
        Matcher steps = Pattern.compile("trace +" + Pattern.quote(trace.toString()) + " +\\((\\d+) steps\\)").matcher(o);
        assertTrue(steps.find(), o);
        long n = Long.parseLong(steps.group(1));
        assertTrue(o.contains("validation (TLC)         " + trace + ": conforms to TabLease.tla: 1 trace, " + n + " steps, "
                + (n + 1) + " distinct states, TLC "), o);

        // the trace replays through the replay command, and the timeline was written
        assertTrue(o.contains(trace.toString()), o);
        CliRun replay = CliRun.run("replay", trace.toString());
        assertEquals(0, replay.exit(), replay.err());
        assertTrue(replay.err().contains("invariant checks passed"), replay.err());
        assertTrue(Files.size(out.resolve("demo-timeline.html")) > 1000);
    }

    @Test
    void aMissingBrowserThatMayNotBeInstalledSaysWhatToInstallAndExitsTwo() {
        Path missing = tmp.resolve("usr/bin/chromium");
        DemoCommand demo = new DemoCommand(missing, p -> new ChromiumSetup(p, Path.of("/usr/bin/apt-get"),
                Map.of(ChromiumSetup.ENV, "0"), true), false);
        CliRun run = CliRun.run(List.of(demo), "demo");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("the demo needs Debian's chromium at " + missing + ", which is missing."), run.err());
        assertTrue(run.err().contains("sudo apt-get update && sudo apt-get install -y chromium"), run.err());
        assertTrue(run.err().contains("TABLEASE_INSTALL_CHROMIUM=0 forbids"), run.err());
    }

    @Test
    void withoutRootOrAptGetTheDemoDoesNotInstallAndExitsTwo() {
        Path missing = tmp.resolve("chromium");
        DemoCommand demo = new DemoCommand(missing, p -> new ChromiumSetup(p, tmp.resolve("no-apt-get"), Map.of(), false), false);
        CliRun run = CliRun.run(List.of(demo), "demo");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("only when it runs as root and apt-get exists"), run.err());
        assertTrue(!run.out().contains("installing"), run.out());
    }

    @Test
    void anotherBrowserPathThatDoesNotExistExitsTwo() {
        CliRun run = CliRun.run("demo", "--chromium", tmp.resolve("chrome").toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("no executable browser at"), run.err());
    }

    @Test
    void wrongArgumentsExitTwoWithTheUsage() {
        for (String[] args : new String[][] {{"demo", "--agents", "5"}, {"demo", "--agents", "many"}, {"demo", "--seconds", "9"},
                {"demo", "now"}, {"demo", "--seed", "x"}, {"demo", "--validate=yes"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease demo [--agents N | --agents=node"), run.err());
        }
    }

    @Test
    void theNodeDemoTakesOnlyItsOwnOptions() {
        for (String[] args : new String[][] {{"demo", "--agents=node", "--seconds", "20"}, {"demo", "--agents=node", "--validate"},
                {"demo", "--agents=node", "--seed", "1"}, {"demo", "--client-dir", "x"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease demo"), run.err());
        }
        CliRun none = CliRun.run("demo", "--agents=node", "--client-dir", tmp.resolve("nowhere").toString());
        assertEquals(2, none.exit(), none.toString());
        assertTrue(none.err().contains("no Node client at " + tmp.resolve("nowhere")), none.err());
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theNodeDemoTellsTheCrossLanguageStoryOnRealChromiumAndEveryCheckHolds() throws Exception {
        String problem = NodeDemo.problem(DemoCommand.defaultClientDir());
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail(problem);
            }
            org.junit.jupiter.api.Assumptions.abort(problem);
        }
        CliRun run = CliRun.run("demo", "--agents=node", "--out", tmp.resolve("node-demo").toString());
        String o = run.out();
        assertEquals(0, run.exit(), run.toString());
        assertTrue(o.contains("== tablease demo --agents=node: Node.js agents through tablease serve on real headless Chromium"), o);
        for (String step : List.of("ok    s-1 outlives the send: no driver, its tab kept",
                "ok    the poll reattached to the send's tab with a newer token",
                "ok    the status shows poll driving s-1 and watcher waiting behind it",
                "ok    the watcher got s-1's lease on the same tab once the poll let go",
                "ok    the next acquire reattached to the same tab",
                "ok    its CDP socket had been closed by the service: 4001 lease ended: HEARTBEAT_MISSED",
                "ok    its new CDP socket was refused: STALE_TOKEN",
                "ok    every session finished: 0 left")) {
            assertTrue(o.contains(step), step + "\n" + o);
        }
        assertTrue(Pattern.compile("\\[send +pid \\d+\\] released outcome=DETACH").matcher(o).find(), o);
        assertTrue(Pattern.compile("kill -9 \\d+").matcher(o).find(), o);
        assertTrue(o.contains("checks    21, failed 0"), o);
        assertTrue(o.contains("RESULT: PASSED"), o);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}

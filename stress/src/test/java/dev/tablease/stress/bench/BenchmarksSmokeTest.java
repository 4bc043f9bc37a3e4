package dev.tablease.stress.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the JMH benchmarks from rotting: runs every benchmark of {@link RunBenchmarks} once, in this JVM
 * (no fork, no warm-up, one 100 ms iteration, the smallest state), at 1, 2 and 8 threads for the cycle
 * in two rounds, and renders the report. The cycle benchmarks throw when a caller is queued or rejected, and the
 * per-input benchmark checks in its setup that each input gets the decision it is meant to measure, so
 * a kernel change that breaks a workload fails here. Takes about 10 s.
 */
class BenchmarksSmokeTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyBenchmarkRunsAndTheReportRenders() throws Exception {
        System.setProperty("jmh.ignoreLock", "true"); // another build's JMH run may hold the lock in /tmp
        RunBenchmarks.Settings s = RunBenchmarks.Settings.smoke();
        RunBenchmarks.Results r = RunBenchmarks.run(s);

        for (int t : s.threads()) {
            Map<String, RunResult> byImpl = r.cycle().get(t);
            assertNotNull(byImpl, "no cycle results at " + t + " threads");
            List<Map<String, RunResult>> rounds = r.cycleRounds().get(t);
            assertEquals(s.rounds(), rounds.size(), "rounds at " + t + " threads");
            assertEquals(RunBenchmarks.TARGET_IMPLEMENTATIONS.stream().sorted().toList(),
                    rounds.get(1).keySet().stream().sorted().toList(), "a later round runs the targets' implementations only");
            for (String impl : RunBenchmarks.IMPLEMENTATIONS.keySet()) {
                if (impl.equals("tableaseUnshared") && t != 1) {
                    continue;
                }
                RunResult x = byImpl.get(impl);
                assertNotNull(x, impl + " at " + t + " threads has no result");
                assertTrue(x.getPrimaryResult().getScore() > 0, impl + " at " + t + " threads: " + x.getPrimaryResult());
            }
        }
        for (String input : RunBenchmarks.INPUTS) {
            for (String shape : RunBenchmarks.SHAPES) {
                RunResult x = r.inputs().getOrDefault(input, Map.of()).getOrDefault(shape, Map.of()).get("10");
                assertNotNull(x, input + " " + shape + " has no result");
                assertTrue(x.getPrimaryResult().getScore() > 0, input + " " + shape + ": " + x.getPrimaryResult());
            }
        }
        String report = RunBenchmarks.report(r, s);
        System.out.println(report);
        assertTrue(report.contains("÷ Commons Pool2"), report);
        assertTrue(report.contains("| heartbeat | MANY_KEYS |"), report);
        assertTrue(report.contains("median of 2 rounds"), report);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theInterleavedThroughputCrossCheckRuns() throws Exception {
        CycleThroughput.main(new String[] {"1", "50", "1,2,8"}); // throws when a cycle fails (queued, rejected)
    }
}

package dev.tablease.timeline;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a recorded trace says happened, counted straight from its lines, independently of the timeline's
 * model: what the drawing must show.
 */
public record TraceFacts(Map<Long, Integer> grantsPerTab, int tabsOpened, int tabDeaths, int revoked, int expiries,
                  int resets, int navigations, int queued) {

    public static Path examplesDir() {
        return Path.of(System.getProperty("tablease.examples.dir", "../examples/traces")).normalize();
    }

    public static Stream<Path> examples() {
        try (Stream<Path> files = Files.list(examplesDir())) {
            return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TraceFacts of(Path trace) throws TraceFormatException, IOException {
        List<TraceStep> steps;
        try (TraceReader reader = TraceReader.open(trace)) {
            steps = reader.readAll();
        }
        Map<Long, Integer> grants = new TreeMap<>();
        int opened = 0, deaths = 0, revoked = 0, expiries = 0, resets = 0, navigations = 0, queued = 0;
        for (TraceStep step : steps) {
            boolean refused = step.decisions().stream().anyMatch(d -> d instanceof Decision.Refused);
            if (step.input() instanceof Input.TabGone && !refused) {
                deaths++;
            }
            for (Decision d : step.decisions()) {
                if (d instanceof Decision.Granted g) {
                    grants.merge(g.tabId(), 1, Integer::sum);
                } else if (d instanceof Decision.OpenTab) {
                    opened++;
                } else if (d instanceof Decision.Revoked r) {
                    revoked++;
                    if (r.reason() != dev.tablease.kernel.RevokeReason.TAB_GONE) {
                        expiries++;
                    }
                } else if (d instanceof Decision.ResetTab) {
                    resets++;
                } else if (d instanceof Decision.Navigate) {
                    navigations++;
                } else if (d instanceof Decision.Queued) {
                    queued++;
                }
            }
        }
        return new TraceFacts(grants, opened, deaths, revoked, expiries, resets, navigations, queued);
    }
}

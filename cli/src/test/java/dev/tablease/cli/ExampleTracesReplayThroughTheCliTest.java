package dev.tablease.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every committed example trace ({@code examples/traces/}) replays through {@code tablease replay} with exit 0. */
class ExampleTracesReplayThroughTheCliTest {

    @Test
    void everyExampleReplaysWithExitZeroAndIsEchoedByteForByte() throws Exception {
        Path dir = Path.of(System.getProperty("tablease.examples.dir", "../examples/traces"));
        List<Path> traces;
        try (Stream<Path> files = Files.list(dir)) {
            traces = files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        }
        assertFalse(traces.isEmpty(), "no example traces in " + dir);
        for (Path file : traces) {
            CliRun run = CliRun.run("replay", file.toString());
            assertEquals(0, run.exit(), file + ": " + run);
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), run.out(), "the replay's stdout is the trace itself");
            assertTrue(run.err().contains("invariant checks passed"), run.err());
        }
    }
}

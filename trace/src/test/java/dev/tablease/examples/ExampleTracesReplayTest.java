package dev.tablease.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.replay.ReplayFailedException;
import dev.tablease.replay.ReplaySummary;
import dev.tablease.replay.TraceReplayer;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every example trace replays (what {@code tablease replay} does: {@link TraceReplayer}, echoing each replayed
 * step) and is echoed unchanged. The CLI's own test of the same files is in the cli module.
 */
class ExampleTracesReplayTest {

    private static final Map<String, String> GENERATED = ExampleTraces.generate();

    @TempDir
    Path tmp;

    static Stream<String> examples() {
        return GENERATED.keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void eachCommittedExampleReplaysAndIsEchoedByteForByte(String name) throws Exception {
        Path file = ExampleTracesAreUpToDateTest.examplesDir().resolve(name);
        StringWriter echo = new StringWriter();
        ReplaySummary summary = replay(file, echo);
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), echo.toString(), "the replayed trace is the trace itself");
        assertTrue(summary.describe().contains("invariant checks passed"), summary.describe());
    }

    /** Replays {@code file} as {@code tablease replay} does, writing the replayed trace to {@code echo}. */
    static ReplaySummary replay(Path file, StringWriter echo) throws IOException, TraceFormatException, ReplayFailedException {
        try (TraceReader trace = TraceReader.open(file)) {
            TraceWriter out = new TraceWriter(echo, trace.header().config());
            return new TraceReplayer().replay(trace, step -> out.write(step.input(), step.decisions()));
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void eachExampleWithoutItsDecisionsReplaysToTheFullTrace(String name) throws Exception {
        String full = GENERATED.get(name);
        TraceCodec codec = new TraceCodec();
        List<String> lines = new ArrayList<>();
        for (String line : full.split("\n")) {
            ObjectNode node = codec.parseObject(line);
            node.remove("decisions");
            lines.add(codec.toJson(node));
        }
        Path inputsOnly = tmp.resolve(name);
        Files.writeString(inputsOnly, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

        StringWriter echo = new StringWriter();
        ReplaySummary summary = replay(inputsOnly, echo);
        assertEquals(full, echo.toString());
        assertTrue(summary.describe().contains("recorded decisions matched on 0 of"), summary.describe());
    }
}

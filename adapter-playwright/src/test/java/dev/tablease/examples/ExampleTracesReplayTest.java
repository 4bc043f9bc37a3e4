package dev.tablease.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.cli.CliRun;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every example trace replays through {@code tablease replay} with exit 0 and is echoed unchanged. */
class ExampleTracesReplayTest {

    private static final Map<String, String> GENERATED = ExampleTraces.generate();

    @TempDir
    Path tmp;

    static Stream<String> examples() {
        return GENERATED.keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void eachCommittedExampleReplaysWithExitZeroAndIsEchoedByteForByte(String name) throws IOException {
        Path file = ExampleTracesAreUpToDateTest.examplesDir().resolve(name);
        CliRun run = CliRun.run("replay", file.toString());
        assertEquals(0, run.exit(), run.toString());
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), run.out(), "the replay's stdout is the trace itself");
        assertTrue(run.err().contains("invariant checks passed"), run.err());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void eachExampleWithoutItsDecisionsReplaysToTheFullTrace(String name) throws IOException, TraceFormatException {
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

        CliRun run = CliRun.run("replay", inputsOnly.toString());
        assertEquals(0, run.exit(), run.toString());
        assertEquals(full, run.out());
        assertTrue(run.err().contains("recorded decisions matched on 0 of"), run.err());
    }
}

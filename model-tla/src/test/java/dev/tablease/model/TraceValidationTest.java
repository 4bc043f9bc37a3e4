package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code -> spec: kernel runs validated by TLC against TabLease.tla (TraceSpec.tla). See docs/conformance.md.
 */
class TraceValidationTest {

    /** For ValidateTrace from the command line: {@code java -cp "$(cat model-tla/target/conformance-classpath.txt)" ...}. */
    @org.junit.jupiter.api.BeforeAll
    static void writeClasspath() throws java.io.IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.writeString(Tlc.moduleDir().resolve("target/conformance-classpath.txt"), cp);
    }

    static void assertConforms(TraceValidation.Verdict v) {
        System.out.println("conformance: " + v.message());
        assertTrue(v.ok(), v.message());
        assertEquals(v.expectedStates(), v.distinct(), "every run must reach its end");
    }

    /** Every example trace that fits the spec's model (examples/traces, millisecond times, the default config). */
    @Test
    void exampleTracesConform() throws Exception {
        Path dir = Tlc.moduleDir().getParent().resolve("examples/traces");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        }
        assertTrue(files.size() >= 6, "example traces missing in " + dir);
        List<TraceTranslator.Run> runs = new ArrayList<>();
        SpecConstants constants = null;
        List<String> outside = new ArrayList<>();
        for (Path f : files) {
            try {
                SpecConstants c;
                try (var r = dev.tablease.trace.TraceReader.open(f)) {
                    c = SpecConstants.of(r.header().config());
                }
                if (constants != null && !constants.equals(c)) {
                    throw new SpecConstants.OutOfModelException("another config than the other examples");
                }
                runs.add(TraceTranslator.replayFile(f, KernelUnderTest.real(c.kernelConfig())));
                constants = c;
            } catch (SpecConstants.OutOfModelException e) {
                outside.add(f.getFileName() + ": " + e.getMessage());
            }
        }
        outside.forEach(o -> System.out.println("conformance: example not validated, " + o));
        assertTrue(runs.size() >= 5, "too few examples fit the model: " + outside);
        assertConforms(TraceValidation.validate("trace-examples", constants, runs,
                Tlc.freshRunDir("trace-examples"), Duration.ofMinutes(5)));
    }

    @Test
    void randomTracesConformOnTheSafetyShape() {
        List<TraceTranslator.Run> runs = ConformanceFixtures.randomRuns("safety", ConformanceFixtures.SEED, 12,
                ConformanceFixtures.SAFETY, KernelUnderTest.Variant.REAL, 2, 3);
        assertConforms(TraceValidation.validate("trace-random-safety", ConformanceFixtures.SAFETY, runs,
                Tlc.freshRunDir("trace-random-safety"), Duration.ofMinutes(5)));
    }

    @Test
    void randomTracesConformOnTheLargeShape() {
        List<TraceTranslator.Run> runs = ConformanceFixtures.randomRuns("large", ConformanceFixtures.SEED + 1, 12,
                ConformanceFixtures.LARGE, KernelUnderTest.Variant.REAL, 3, 4);
        assertConforms(TraceValidation.validate("trace-random-large", ConformanceFixtures.LARGE, runs,
                Tlc.freshRunDir("trace-random-large"), Duration.ofMinutes(5)));
    }
}

package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Code -> spec: random kernel runs validated by TLC against TabLease.tla (TraceSpec.tla). The example traces
 * go through the validator of trace files ({@link TraceValidatorTest}). See docs/conformance.md.
 */
class TraceValidationTest {

    /** For ValidateTrace from the command line: {@code java -cp "$(cat model-tla/target/conformance-classpath.txt)" ...}. */
    @org.junit.jupiter.api.BeforeAll
    static void writeClasspath() throws java.io.IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.writeString(TlcRuns.moduleDir().resolve("target/conformance-classpath.txt"), cp);
    }

    static void assertConforms(TraceValidation.Verdict v) {
        v.tlc().forEach(TlcRuns::log);
        System.out.println("conformance: " + v.message());
        assertTrue(v.ok(), v.message());
        assertEquals(v.expectedStates(), v.distinct(), "every run must reach its end");
    }

    @Test
    void randomTracesConformOnTheSafetyShape() {
        List<TraceTranslator.Run> runs = ConformanceFixtures.randomRuns("safety", ConformanceFixtures.SEED, 12,
                ConformanceFixtures.SAFETY, KernelUnderTest.Variant.REAL, 2, 3);
        assertConforms(TraceValidation.validate("trace-random-safety", ConformanceFixtures.SAFETY, runs,
                TlcRuns.freshRunDir("trace-random-safety"), Duration.ofMinutes(5)));
    }

    @Test
    void randomTracesConformOnTheLargeShape() {
        List<TraceTranslator.Run> runs = ConformanceFixtures.randomRuns("large", ConformanceFixtures.SEED + 1, 12,
                ConformanceFixtures.LARGE, KernelUnderTest.Variant.REAL, 3, 4);
        assertConforms(TraceValidation.validate("trace-random-large", ConformanceFixtures.LARGE, runs,
                TlcRuns.freshRunDir("trace-random-large"), Duration.ofMinutes(5)));
    }
}

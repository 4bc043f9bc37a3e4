package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The old design's defects from the seed document (2, 3, 4, 5 and X), each as a small TLA+ model
 * (src/main/tla/old/), fail with exactly the expected violation and a counterexample trace; the same
 * model with the new protocol's rule switched on passes.
 *
 * <p>Each counterexample is written to {@code target/counterexamples/defect-*.txt}; with
 * {@code -Dtlc.saveCounterexamples=true} also to {@code model-tla/counterexamples/} (the committed copies).
 */
class OldDesignCounterexamplesTest {

    static Stream<Arguments> defects() {
        return Stream.of(
                Arguments.of("defect-2", "OldBindTwoLocks", "OldBindTwoLocks.cfg", Tlc.VIOLATION_SAFETY,
                        "Error: Invariant BindingIsReservation is violated."),
                Arguments.of("defect-3", "OldUnlockedSend", "OldUnlockedSend.cfg", Tlc.VIOLATION_SAFETY,
                        "Error: Invariant OneDriverPerSession is violated."),
                Arguments.of("defect-3-fencing", "OldUnlockedSend", "OldUnlockedSendFencing.cfg", Tlc.VIOLATION_LIVENESS,
                        "Error: Action property FencedWrites is violated."),
                // TLC 2.18 does not name a violated temporal property; the cfg checks exactly one,
                // SilentDriverLosesLease, so the violation is that one.
                Arguments.of("defect-4", "OldNoLeaseTtl", "OldNoLeaseTtl.cfg", Tlc.VIOLATION_LIVENESS,
                        "Error: Temporal properties were violated."),
                Arguments.of("defect-5", "OldPoolOnlyCaps", "OldPoolOnlyCaps.cfg", Tlc.VIOLATION_SAFETY,
                        "Error: Invariant GlobalCap is violated."),
                Arguments.of("defect-X", "OldThreeTtls", "OldThreeTtls.cfg", Tlc.VIOLATION_SAFETY,
                        "Error: Invariant OneDriverPerSession is violated."));
    }

    @ParameterizedTest(name = "{0}: {1} fails with {4}")
    @MethodSource("defects")
    void theOldDesignViolatesTheProperty(String id, String module, String cfg, int exitCode, String expected)
            throws IOException {
        Tlc.Result r = TlcRuns.run("old-" + id, TlcRuns.oldDir(), module, cfg, Duration.ofMinutes(5));
        assertEquals(exitCode, r.exitCode(), "unexpected TLC exit code" + Tlc.excerpt(r));
        assertTrue(r.reports(expected), "expected '" + expected + "'" + Tlc.excerpt(r));
        assertEquals(1, count(r.output(), "Error: Invariant") + count(r.output(), "Error: Action property")
                + count(r.output(), "Error: Temporal properties"), "exactly one violation" + Tlc.excerpt(r));
        assertTrue(r.reports("State 1: <Initial predicate>") && r.reports("State 2:"),
                "no counterexample trace" + Tlc.excerpt(r));
        if (exitCode == Tlc.VIOLATION_LIVENESS && expected.contains("Temporal")) {
            assertTrue(r.reports("Back to state") || r.reports("Stuttering"), "no lasso in the trace" + Tlc.excerpt(r));
            String cfgText = Files.readString(TlcRuns.oldDir().resolve(cfg), StandardCharsets.UTF_8);
            assertTrue(cfgText.contains("PROPERTY SilentDriverLosesLease"), "the cfg checks one named property");
        }
        save(id, module, cfg, expected, r);
    }

    static Stream<Arguments> fixes() {
        return Stream.of(
                Arguments.of("defect-2", "OldBindTwoLocks", "OldBindTwoLocksFixed.cfg"),
                Arguments.of("defect-3", "OldUnlockedSend", "OldUnlockedSendFixed.cfg"),
                Arguments.of("defect-4", "OldNoLeaseTtl", "OldNoLeaseTtlFixed.cfg"),
                Arguments.of("defect-5", "OldPoolOnlyCaps", "OldPoolOnlyCapsFixed.cfg"),
                Arguments.of("defect-X", "OldThreeTtls", "OldThreeTtlsFixed.cfg"));
    }

    @ParameterizedTest(name = "{0}: {2} holds")
    @MethodSource("fixes")
    void theSameModelWithTheNewRuleHolds(String id, String module, String cfg) {
        Tlc.Result r = TlcRuns.run("fixed-" + id, TlcRuns.oldDir(), module, cfg, Duration.ofMinutes(5));
        assertEquals(Tlc.OK, r.exitCode(), "the fixed variant must hold" + Tlc.excerpt(r));
        assertTrue(r.distinct() > 1, "TLC explored no states" + Tlc.excerpt(r));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static void save(String id, String module, String cfg, String expected, Tlc.Result r) throws IOException {
        String text = "Counterexample for seed " + id + " (" + module + ".tla, " + cfg + ")\n"
                + "Expected: " + expected + " (TLC exit code " + r.exitCode() + ")\n"
                + "Produced by: mvn -B -q -pl model-tla verify -Dtest=OldDesignCounterexamplesTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dtlc.saveCounterexamples=true\n"
                + "TLC: " + r.generated() + " states generated, " + r.distinct() + " distinct states"
                + (r.depth() >= 0 ? ", depth " + r.depth() : "") + "\n\n" + r.counterexample();
        Path target = TlcRuns.moduleDir().resolve("target/counterexamples");
        Files.createDirectories(target);
        Files.writeString(target.resolve(id + ".txt"), text, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("tlc.saveCounterexamples")) {
            Path committed = TlcRuns.moduleDir().resolve("counterexamples");
            Files.createDirectories(committed);
            Files.writeString(committed.resolve(id + ".txt"), text, StandardCharsets.UTF_8);
        }
    }
}

package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * It can fail: deliberately wrong kernels (test-only variants of the real one, {@link KernelUnderTest.Variant})
 * are rejected by both directions, at the step where they first differ from the real kernel.
 */
class BrokenKernelsAreRejectedTest {

    /** Code -> spec: TLC reports a deadlock at exactly the first step where the variant leaves the real kernel. */
    @ParameterizedTest
    @EnumSource(value = KernelUnderTest.Variant.class, names = "REAL", mode = EnumSource.Mode.EXCLUDE)
    void traceValidationRejects(KernelUnderTest.Variant variant) {
        SpecConstants c = ConformanceFixtures.LARGE;
        // the first seed whose run of the variant differs from the real kernel on the same inputs
        TraceTranslator.Run run = null;
        int divergence = -1;
        for (long seed = ConformanceFixtures.SEED; run == null; seed++) {
            TraceTranslator.Run r = TraceGenerator.generate(variant + " seed " + seed, seed, variant.build(c), 2, 4, 120);
            TraceTranslator.Run real = TraceTranslator.replay("real", r.inputs(), KernelUnderTest.real(c.kernelConfig()), null);
            for (int i = 0; i < r.inputs().size() && divergence < 0; i++) {
                if (!r.posts().get(i).equals(real.posts().get(i))) {
                    divergence = i + 1;
                    run = r;
                }
            }
        }
        TraceValidation.Verdict v = TraceValidation.validate("trace-broken-" + variant, c, List.of(run),
                TlcRuns.freshRunDir("trace-broken-" + variant), Duration.ofMinutes(3));
        v.tlc().forEach(TlcRuns::log);
        System.out.println("conformance: " + variant + " (trace validation): " + v.message());
        assertFalse(v.ok(), variant + " was not rejected");
        assertEquals(Tlc.DEADLOCK, v.exitCode(), v.message());
        assertEquals(1, v.failedRun());
        assertEquals(divergence, v.failedStep(), "rejected at another step than the first wrong one: " + v.message());
        assertTrue(expectedAtFailure(variant).test(run.inputs().get(divergence - 1)),
                "unexpected input at the failing step: " + v.message());
    }

    /** Spec -> code: replaying the simulated behaviours on the variant finds a state that differs from the spec's. */
    @ParameterizedTest
    @EnumSource(value = KernelUnderTest.Variant.class, names = "REAL", mode = EnumSource.Mode.EXCLUDE)
    void modelBasedReplayRejects(KernelUnderTest.Variant variant) {
        ModelBasedReplay.Outcome2 o = ModelBasedReplay.replayAll(ConformanceFixtures.behaviours(), ConformanceFixtures.SIM, variant);
        System.out.printf("conformance: %s (model-based): %d of %d behaviours rejected; first: %s%n", variant,
                o.mismatches().size(), o.behaviours(), o.mismatches().isEmpty() ? "none" : o.mismatches().get(0));
        assertFalse(o.mismatches().isEmpty(), variant + " was not rejected");
        for (ModelBasedReplay.Mismatch m : o.mismatches()) {
            assertTrue(m.input() != null && expectedAtFailure(variant).test(m.input()), "unexpected failing step " + m);
            assertTrue(explains(variant, m.spec(), m.kernel()), "the difference is not the planted defect: " + m);
        }
    }

    /** The input at which the planted defect first shows. */
    private static Predicate<Input> expectedAtFailure(KernelUnderTest.Variant v) {
        return switch (v) {
            case HEARTBEAT_ACCEPTS_STALE_TOKEN -> in -> in instanceof Input.Heartbeat;
            // a second tab of a key is opened by a dispatch (after any input that frees or adds a waiter)
            case IGNORES_PER_KEY_CAP -> in -> !(in instanceof Input.Heartbeat || in instanceof Input.UpdateSession);
            // a deadline is set at a binding: a dispatch
            case RESERVATION_FORGETS_DEADLINE -> in -> !(in instanceof Input.Heartbeat || in instanceof Input.UpdateSession);
            case REAL -> in -> false;
        };
    }

    /** The states differ the way the planted defect makes them differ. */
    private static boolean explains(KernelUnderTest.Variant v, KernelState spec, KernelState kernel) {
        return switch (v) {
            case HEARTBEAT_ACCEPTS_STALE_TOKEN -> leases(spec).values().stream().anyMatch(x -> true)
                    && !leases(spec).equals(leases(kernel));
            // a dispatch that thinks the key is under its cap: a second tab of a key, or an eviction for it
            case IGNORES_PER_KEY_CAP -> !spec.tabs().equals(kernel.tabs())
                    || kernel.tabs().stream().collect(Collectors.groupingBy(Tab::key, Collectors.counting()))
                    .values().stream().anyMatch(n -> n > 1);
            case RESERVATION_FORGETS_DEADLINE -> kernel.sessions().stream().anyMatch(s -> s.deadline() == KernelUnderTest.FAR);
            case REAL -> false;
        };
    }

    private static Map<String, String> leases(KernelState s) {
        return s.sessions().stream().filter(x -> x.lease() != null)
                .collect(Collectors.toMap(Session::sessionId, x -> x.lease().toString()));
    }
}

package dev.tablease.examples;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelHarness;
import dev.tablease.trace.TraceWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Drives a kernel through {@link KernelHarness} (every invariant checked after every step) and records
 * each step with a {@link TraceWriter}. Scenarios state what they prove with {@link #expect}.
 */
final class TraceRecorder {
    private final KernelHarness harness;
    private final StringWriter text = new StringWriter();
    private final TraceWriter trace;

    TraceRecorder(KernelConfig config) {
        this.harness = new KernelHarness(config);
        try {
            this.trace = new TraceWriter(text, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies and records one input. */
    List<Decision> apply(Input input) {
        List<Decision> decisions = harness.apply(input);
        try {
            trace.write(input, decisions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return decisions;
    }

    KernelHarness harness() {
        return harness;
    }

    /** @return the trace recorded so far */
    String text() {
        return text.toString();
    }

    /** Fails generation when the scenario no longer shows what it is meant to show. */
    static void expect(boolean condition, String claim, List<Decision> decisions) {
        if (!condition) {
            throw new IllegalStateException("example scenario broken: expected " + claim + ", decisions: " + decisions);
        }
    }

    static <T extends Decision> T only(List<Decision> decisions, Class<T> type) {
        List<T> found = KernelHarness.all(decisions, type);
        expect(found.size() == 1, "exactly one " + type.getSimpleName(), decisions);
        return found.get(0);
    }
}

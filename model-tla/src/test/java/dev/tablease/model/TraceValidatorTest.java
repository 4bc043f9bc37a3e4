package dev.tablease.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.trace.TraceWriter;
import dev.tablease.store.TracingKernelStore;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace validator of model-tla's main code ({@link TraceValidator}, behind {@code tablease validate} and
 * {@code tablease demo --validate}) on trace files: the example traces conform; a tampered trace, and a trace
 * recorded from a kernel that leaves the spec, are rejected at their first wrong step (also when validated in
 * pieces); real (epoch millisecond) times are rebased for TLC; a trace longer than a TLC run takes is
 * validated in pieces; the facade's implicit Tick is in recorded traces; and the cases without a verdict.
 * Real TLC, small runs.
 */
class TraceValidatorTest {

    /** About the epoch milliseconds of a real run (2026): far beyond TLC's 32-bit numbers. */
    private static final long EPOCH_MILLIS = 1_795_790_457_000L;

    @TempDir
    Path tmp;

    private static List<Path> examples() throws IOException {
        Path dir = TlcRuns.moduleDir().getParent().resolve("examples/traces");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
            assertTrue(files.size() >= 6, "example traces missing in " + dir);
            return files;
        }
    }

    private static Path example(String prefix) throws IOException {
        return examples().stream().filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
    }

    /** Every example trace (examples/traces: millisecond times, the default config) conforms, in one TLC run. */
    @Test
    void theExampleTracesConform() throws Exception {
        List<Path> files = examples();
        Path keep = tmp.resolve("tlc");
        TraceVerdict v = new TraceValidator().keepingFilesIn(keep).validate(files);
        System.out.println("conformance: examples through the validator: " + v.describe());
        assertTrue(v.conforms(), v.describe());
        assertNull(v.mismatch());
        assertEquals(files, v.traces());
        assertEquals(v.steps() + files.size(), v.expectedStates());
        assertEquals(v.expectedStates(), v.distinctStates(), "every trace must reach its end");
        assertTrue(v.tlcTime().toMillis() > 0);
        assertTrue(v.describe().matches("conforms to TabLease\\.tla: " + files.size() + " traces, " + v.steps()
                + " steps, " + v.distinctStates() + " distinct states, TLC [0-9.]+ s"), v.describe());
        assertEquals(keep, v.filesKept());
        assertTrue(Files.size(keep.resolve("TraceBatch.tla")) > 1000);
        assertTrue(Files.readString(keep.resolve("tlc-output.txt")).contains("No error has been found"));
    }

    /** A recorded decision altered (a granted token): the kernel's replay rejects the trace at that step. */
    @Test
    void aTraceWhoseRecordedDecisionWasAlteredIsRejectedAtThatStep() throws Exception {
        List<String> lines = Files.readAllLines(example("defect-4"), StandardCharsets.UTF_8);
        int step = -1;
        for (int i = 1; i < lines.size() && step < 0; i++) {
            Matcher m = Pattern.compile("(\"type\":\"Granted\".*?\"token\":)(\\d+)").matcher(lines.get(i));
            if (m.find()) {
                lines.set(i, m.replaceFirst("$1" + (Long.parseLong(m.group(2)) + 7)));
                step = i;
            }
        }
        assertTrue(step > 0, "no Granted decision in the example");
        Path tampered = tmp.resolve("tampered.jsonl");
        Files.write(tampered, lines, StandardCharsets.UTF_8);

        TraceVerdict v = new TraceValidator().validate(List.of(tampered));
        System.out.println("conformance: tampered trace: " + v.describe());
        assertFalse(v.conforms());
        assertEquals(TraceVerdict.Stage.RECORDED_DECISIONS, v.mismatch().stage());
        assertEquals(step, v.mismatch().step());
        assertEquals(tampered, v.mismatch().trace());
        assertTrue(v.describe().startsWith("DOES NOT CONFORM: " + tampered + " step " + step + " (line " + (step + 1)
                + "): "), v.describe());
        assertTrue(v.mismatch().detail().contains("but the trace recorded"), v.describe());
    }

    /**
     * A trace recorded from a kernel that leaves the spec (a heartbeat with a stale token accepted): the real
     * kernel's replay rejects it at the first wrong step, and so does TLC when the replay runs on that kernel.
     */
    @Test
    void aTraceRecordedFromAKernelThatLeavesTheSpecIsRejectedAtItsFirstWrongStep() throws Exception {
        KernelUnderTest.Variant variant = KernelUnderTest.Variant.HEARTBEAT_ACCEPTS_STALE_TOKEN;
        SpecConstants c = ConformanceFixtures.LARGE;
        List<Input> inputs = null;
        int divergence = -1;
        // a seed whose first wrong decision also changes the state (a stale heartbeat that extends nothing is a
        // wrong decision on an unchanged state: the replay sees it, TLC, which checks states, cannot)
        for (long seed = ConformanceFixtures.SEED; inputs == null; seed++) {
            TraceTranslator.Run r = TraceGenerator.generate("seed " + seed, seed, variant.build(c), 2, 4, 120);
            KernelUnderTest broken = variant.build(c);
            KernelUnderTest real = KernelUnderTest.real(c.kernelConfig());
            for (int i = 0; i < r.inputs().size(); i++) {
                boolean sameDecisions = broken.apply(r.inputs().get(i)).equals(real.apply(r.inputs().get(i)));
                boolean sameState = broken.snapshot().equals(real.snapshot());
                if (!sameDecisions || !sameState) {
                    if (!sameDecisions && !sameState) {
                        divergence = i + 1;
                        inputs = r.inputs();
                    }
                    break;
                }
            }
        }
        Path trace = tmp.resolve("broken-kernel.jsonl");
        KernelUnderTest recorder = variant.build(c);
        try (Writer w = Files.newBufferedWriter(trace, StandardCharsets.UTF_8);
             TraceWriter tw = new TraceWriter(w, c.kernelConfig())) {
            for (Input in : inputs) {
                tw.write(in, recorder.apply(in));
            }
        }

        TraceVerdict byReplay = new TraceValidator().validate(List.of(trace));
        System.out.println("conformance: broken kernel's trace, real kernel: " + byReplay.describe());
        assertFalse(byReplay.conforms());
        assertEquals(TraceVerdict.Stage.RECORDED_DECISIONS, byReplay.mismatch().stage());
        assertEquals(divergence, byReplay.mismatch().step(), byReplay.describe());

        TraceVerdict byTlc = new TraceValidator().withKernels(config -> variant.build(SpecConstants.of(config)))
                .validate(List.of(trace));
        System.out.println("conformance: broken kernel's trace, its own kernel: " + byTlc.describe());
        assertFalse(byTlc.conforms());
        assertEquals(TraceVerdict.Stage.SPEC, byTlc.mismatch().stage());
        assertEquals(divergence, byTlc.mismatch().step(), byTlc.describe());
        assertTrue(byTlc.mismatch().input().startsWith("Heartbeat["), byTlc.describe());
        assertEquals(divergence, byTlc.distinctStates(), "TLC walks the steps before the wrong one");
        assertTrue(byTlc.describe().contains("no step of TabLease.tla takes this input to the kernel's state"),
                byTlc.describe());

        // in pieces (a TLC run per piece): the first piece conforms, the second one fails at the same step
        int piece = Math.max(1, divergence - 5);
        TraceVerdict inPieces = new TraceValidator().withKernels(config -> variant.build(SpecConstants.of(config)))
                .withStepsPerTlcRun(piece).validate(List.of(trace));
        System.out.println("conformance: broken kernel's trace in pieces of " + piece + ": " + inPieces.describe());
        assertFalse(inPieces.conforms());
        assertEquals(TraceVerdict.Stage.SPEC, inPieces.mismatch().stage());
        assertEquals(divergence, inPieces.mismatch().step(), inPieces.describe());
        assertEquals(2, inPieces.tlcRuns(), inPieces.describe());
    }

    /**
     * Real runs record epoch milliseconds (about 1.8e12; TLC stops at 2^31 - 1: "TLC can't handle a number this
     * big"): the same example with every time shifted by that much conforms, with the same states.
     */
    @Test
    void epochMillisecondTimesAreRebasedForTlc() throws Exception {
        List<String> lines = Files.readAllLines(example("defect-5"), StandardCharsets.UTF_8);
        List<String> shifted = new ArrayList<>(List.of(lines.get(0)));
        Pattern now = Pattern.compile("\"now\":(\\d+)");
        for (String line : lines.subList(1, lines.size())) {
            // inputs only: the decisions carry times too; without them the replay checks the inputs alone
            String input = line.replaceFirst(",\"decisions\":\\[.*]}$", "}");
            Matcher m = now.matcher(input);
            assertTrue(m.find(), line);
            shifted.add(m.replaceFirst("\"now\":" + (Long.parseLong(m.group(1)) + EPOCH_MILLIS)));
        }
        Path file = tmp.resolve("epoch.jsonl");
        Files.write(file, shifted, StandardCharsets.UTF_8);

        TraceVerdict v = new TraceValidator().validate(List.of(file));
        System.out.println("conformance: example at epoch milliseconds: " + v.describe());
        assertTrue(v.conforms(), v.describe());
        assertEquals(lines.size() - 1, v.steps());
        assertEquals(lines.size(), v.distinctStates());
        assertEquals(1, v.pieces());
        assertEquals(1, v.tlcRuns());

        // a trace longer than one TLC run takes: pieces, each after the first starting in the kernel's state
        // where the previous one ended (rebased like the steps)
        int piece = (int) (v.steps() / 2 + 1);
        TraceVerdict p = new TraceValidator().withStepsPerTlcRun(piece).validate(List.of(file));
        System.out.println("conformance: the same in pieces of " + piece + " steps: " + p.describe());
        assertTrue(p.conforms(), p.describe());
        assertEquals(2, p.pieces());
        assertEquals(2, p.tlcRuns());
        assertEquals(v.steps() + 2, p.distinctStates());
        assertTrue(p.describe().contains(v.steps() + " steps in 2 pieces, " + (v.steps() + 2) + " distinct states, TLC ")
                && p.describe().endsWith(" s (2 runs)"), p.describe());
    }

    /**
     * The facade ({@code SharedLeaseKernel}) applies a Tick before an input when something is due, and a
     * recorded trace ({@link TracingKernelStore}) holds that Tick: an input that arrives after a deadline
     * passed (no Tick sent by anyone) validates. Without that Tick the trace is outside the spec's model.
     */
    @Test
    void theFacadesImplicitTickIsRecordedAndAnOverdueInputWithoutItIsOutsideTheModel() throws Exception {
        KernelConfig config = KernelConfig.builder().maxPerKey(1).globalMax(2).heartbeatIntervalMillis(100)
                .missedHeartbeats(3).requestClass("default", 1_000).requestClass("pro", 2_000).deadlineMarginMillis(50)
                .poolTtlMillis(500).queueCapacity(2).queueTimeoutMillis(800).build();
        AtomicLong clock = new AtomicLong(EPOCH_MILLIS);
        Path trace = tmp.resolve("facade.jsonl");
        try (TracingKernelStore store = TracingKernelStore.open(new InMemoryKernelStore(config, clock::get), trace)) {
            store.apply(now -> new Input.Acquire(now, "s1", "chatgpt", "send pid 1", "default"));
            clock.addAndGet(300);
            store.apply(now -> new Input.TabOpened(now, 1, "T1"));
            clock.addAndGet(100);
            store.apply(now -> new Input.Heartbeat(now, "s1", 1));
            clock.addAndGet(5_000);   // past the lease, the deadline: nobody sends a Tick
            List<Decision> late = store.apply(now -> new Input.Heartbeat(now, "s1", 1)).decisions();
            assertFalse(late.isEmpty());
            assertEquals(0, store.divergences());
        }
        List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(4).contains("\"input\":{\"type\":\"Tick\",\"now\":" + (EPOCH_MILLIS + 5_400) + "}"), lines.get(4));
        assertTrue(lines.get(5).contains("\"input\":{\"type\":\"Heartbeat\",\"now\":" + (EPOCH_MILLIS + 5_400)), lines.get(5));

        TraceVerdict v = new TraceValidator().validate(List.of(trace));
        System.out.println("conformance: trace with the facade's Tick: " + v.describe());
        assertTrue(v.conforms(), v.describe());
        assertEquals(6, v.distinctStates());

        // the same run without the facade's Tick: the heartbeat finds the session overdue (not modelled)
        List<String> noTick = new ArrayList<>(lines.subList(0, 4));
        noTick.add(lines.get(5).replace("\"seq\":5", "\"seq\":4"));
        Path without = tmp.resolve("no-tick.jsonl");
        Files.write(without, noTick, StandardCharsets.UTF_8);
        TraceValidationException e = assertThrows(TraceValidationException.class,
                () -> new TraceValidator().validate(List.of(without)));
        assertEquals(TraceValidationException.Problem.OUTSIDE_MODEL, e.problem(), e.getMessage());
        assertTrue(e.getMessage().contains("step 4 (Heartbeat") && e.getMessage().contains("overdue"), e.getMessage());
        assertEquals(without, e.trace());
    }

    @Test
    void noVerdictWhenTlcDoesNotFinishInTime() throws Exception {
        TraceValidationException e = assertThrows(TraceValidationException.class,
                () -> new TraceValidator().withTimeout(Duration.ofMillis(1)).validate(List.of(example("defect-1"))));
        assertEquals(TraceValidationException.Problem.TLC_FAILED, e.problem(), e.getMessage());
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
    }

    @Test
    void noVerdictForAMalformedTraceOrOneOutsideTheModel() throws Exception {
        Path malformed = tmp.resolve("malformed.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(example("defect-1"), StandardCharsets.UTF_8));
        lines.set(2, "{\"seq\":2,\"input\":{\"type\":\"Nope\"}}");
        Files.write(malformed, lines, StandardCharsets.UTF_8);
        TraceValidationException bad = assertThrows(TraceValidationException.class,
                () -> new TraceValidator().validate(List.of(malformed)));
        assertEquals(TraceValidationException.Problem.MALFORMED, bad.problem(), bad.getMessage());
        assertTrue(bad.getMessage().contains("line 3"), bad.getMessage());

        Path flex = tmp.resolve("flex.jsonl");
        KernelConfig config = KernelConfig.builder().requestClass("flex", 500_000).build();
        try (Writer w = Files.newBufferedWriter(flex, StandardCharsets.UTF_8); TraceWriter tw = new TraceWriter(w, config)) {
            tw.writeInput(new Input.Tick(1));
        }
        TraceValidationException outside = assertThrows(TraceValidationException.class,
                () -> new TraceValidator().validate(List.of(flex)));
        assertEquals(TraceValidationException.Problem.OUTSIDE_MODEL, outside.problem(), outside.getMessage());
        assertTrue(outside.getMessage().contains("request classes"), outside.getMessage());
        assertNotNull(outside.trace());
    }
}

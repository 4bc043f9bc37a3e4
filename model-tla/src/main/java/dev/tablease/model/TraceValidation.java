package dev.tablease.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Code -> spec: validates a batch of kernel runs (same constants) with TLC, each TLC run in a forked JVM:
 * writes TraceBatch.tla (EXTENDS TraceSpec, {@code TraceData == << trace1, trace2, ... >>},
 * {@code StartData}) and TraceBatch.cfg ({@code Traces <- TraceData}, {@code Starts <- StartData}) beside
 * copies of TabLease.tla and TraceSpec.tla (from the class path, {@link SpecFiles}), and runs TLC.
 *
 * <p>TLC's memory grows with the module (SANY parses every step; about 500 bytes of TLA+ a step), so one TLC
 * run validates at most {@link #STEPS_PER_TLC_RUN} steps: a longer run is cut into <em>pieces</em> of that
 * many steps, and a piece after the first starts in the kernel's state after the previous piece's last step
 * ({@code Starts}), which the previous piece checked as its last post-state. Every step is checked from the
 * state before it to the state after it either way, so the pieces validate exactly what the whole run would.
 * Pieces and short runs are packed into as few TLC runs as that bound allows, run one after the other.
 */
final class TraceValidation {

    /**
     * The most steps one TLC run validates: the default demo's 2,243 steps need between 128 and 256 MB of
     * TLC's heap ({@code -Xmx512m}).
     */
    static final int STEPS_PER_TLC_RUN = 2_500;

    /**
     * The verdict. {@code ok}: every TLC run exited 0, with no error, and exactly {@code expectedStates}
     * distinct states in all (one per step of every piece, plus each piece's initial state), so every run
     * reached its end. Otherwise {@code failedRun}/{@code failedStep} (1-based; the step whose input and
     * post-state no spec step matches) when TLC reported a deadlock, else -1.
     *
     * @param ok             every run conforms
     * @param exitCode       the exit code of the last TLC run (the failing one, if any)
     * @param distinct       distinct states TLC found, over its runs
     * @param expectedStates the distinct states of conforming runs: steps + pieces
     * @param pieces         how many pieces the runs were cut into (one per run of at most
     *                       {@link #STEPS_PER_TLC_RUN} steps)
     * @param failedRun      the run that leaves the spec (1-based), or -1
     * @param failedStep     the first step of that run that no spec step matches (1-based), or -1
     * @param failedRunName  that run's name, or {@code null}
     * @param message        one line: what conforms, or where and how a run leaves the spec
     * @param tlc            every TLC run's result, in order (the last one failed when not {@code ok})
     */
    record Verdict(boolean ok, int exitCode, long distinct, long expectedStates, int pieces, int failedRun,
                   int failedStep, String failedRunName, String message, List<Tlc.Result> tlc) {

        /** @return the wall-clock time of all the TLC runs */
        Duration tlcTime() {
            return tlc.stream().map(Tlc.Result::wallTime).reduce(Duration.ZERO, Duration::plus);
        }
    }

    /** Steps {@code from + 1 .. to} of run {@code run} (0-based index). */
    private record Piece(int run, int from, int to) {
        int steps() {
            return to - from;
        }
    }

    private static final Pattern TR = Pattern.compile("/\\\\ tr = (\\d+)");
    private static final Pattern I = Pattern.compile("/\\\\ i = (\\d+)");

    private TraceValidation() {
    }

    /**
     * {@link #validate(String, SpecConstants, List, Path, Duration, int)} with at most
     * {@link #STEPS_PER_TLC_RUN} steps a TLC run.
     */
    static Verdict validate(String name, SpecConstants constants, List<TraceTranslator.Run> runs, Path runDir,
                            Duration timeout) {
        return validate(name, constants, runs, runDir, timeout, STEPS_PER_TLC_RUN);
    }

    /**
     * Writes the batch into {@code runDir} (into {@code runDir/tlc-K} for each TLC run when there are several)
     * and runs TLC there, stopping at the first TLC run that does not conform.
     *
     * @param name           the TLC runs' name (for reports)
     * @param constants      the spec's constants, those of every run's kernel configuration
     * @param runs           the kernel runs
     * @param runDir         an empty directory for the modules, TLC's states and output
     * @param timeout        how long each TLC run may take
     * @param stepsPerTlcRun the most steps one TLC run validates (longer runs are cut into pieces)
     * @return the verdict
     * @throws SpecConstants.OutOfModelException when a run's times do not fit TLC's numbers
     * @throws Tlc.RunException                  when TLC cannot be run or does not finish in time
     */
    static Verdict validate(String name, SpecConstants constants, List<TraceTranslator.Run> runs, Path runDir,
                            Duration timeout, int stepsPerTlcRun) {
        List<TraceTranslator.Symbols> symbols = new ArrayList<>();
        for (TraceTranslator.Run run : runs) {
            symbols.add(TraceTranslator.symbols(run, constants));
        }
        List<List<Piece>> batches = batches(runs, stepsPerTlcRun);
        int pieces = batches.stream().mapToInt(List::size).sum();
        long expectedAll = runs.stream().mapToLong(r -> r.inputs().size()).sum() + pieces;
        List<Tlc.Result> results = new ArrayList<>();
        long distinct = 0;
        for (int b = 0; b < batches.size(); b++) {
            List<Piece> batch = batches.get(b);
            Path dir = batches.size() == 1 ? runDir : runDir.resolve("tlc-" + (b + 1));
            long expected = batch.stream().mapToLong(p -> p.steps() + 1).sum();
            Tlc.Result res = run(batches.size() == 1 ? name : name + "-" + (b + 1), constants, runs, symbols, batch,
                    dir, timeout);
            results.add(res);
            String out = res.output();
            boolean ok = res.exitCode() == Tlc.OK && out.contains("Model checking completed. No error has been found.")
                    && res.distinct() == expected;
            if (ok) {
                distinct += res.distinct();
                continue;
            }
            distinct += Math.max(res.distinct(), 0);
            if (res.exitCode() == Tlc.DEADLOCK) {
                int failedPiece = last(TR, out);
                int failedIndex = last(I, out) + 1;
                if (failedPiece >= 1 && failedPiece <= batch.size() && failedIndex >= 1
                        && failedIndex <= batch.get(failedPiece - 1).steps()) {
                    Piece p = batch.get(failedPiece - 1);
                    TraceTranslator.Run run = runs.get(p.run());
                    int step = p.from() + failedIndex;
                    String msg = "run " + (p.run() + 1) + " (" + run.name() + ") leaves the spec at step " + step + ": "
                            + run.inputs().get(step - 1) + " (no spec step takes this input to the kernel's state "
                            + run.posts().get(step - 1) + ")";
                    return new Verdict(false, res.exitCode(), distinct, expectedAll, pieces, p.run() + 1, step,
                            run.name(), msg, results);
                }
                return new Verdict(false, res.exitCode(), distinct, expectedAll, pieces, -1, -1, null,
                        "TLC reports a deadlock but not where (trace " + failedPiece + ", step " + failedIndex + ")"
                                + Tlc.excerpt(res), results);
            }
            return new Verdict(false, res.exitCode(), distinct, expectedAll, pieces, -1, -1, null,
                    "TLC exit " + res.exitCode() + ", " + res.distinct() + " distinct states (expected " + expected + ")"
                            + Tlc.excerpt(res), results);
        }
        return new Verdict(true, Tlc.OK, distinct, expectedAll, pieces, -1, -1, null,
                runs.size() + " runs, " + (expectedAll - pieces) + " steps: every run reached its end"
                        + (batches.size() > 1 ? " (" + pieces + " pieces, " + batches.size() + " TLC runs)" : ""),
                results);
    }

    /** @return the runs cut into pieces of at most {@code max} steps, packed into TLC runs of at most that many */
    private static List<List<Piece>> batches(List<TraceTranslator.Run> runs, int max) {
        List<List<Piece>> batches = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        int steps = 0;
        for (int r = 0; r < runs.size(); r++) {
            int n = runs.get(r).inputs().size();
            for (int from = 0; from < n || from == 0; from += max) {
                Piece p = new Piece(r, from, Math.min(n, from + max));
                if (!current.isEmpty() && steps + p.steps() > max) {
                    batches.add(current);
                    current = new ArrayList<>();
                    steps = 0;
                }
                current.add(p);
                steps += p.steps();
                if (n == 0) {
                    break;
                }
            }
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    private static Tlc.Result run(String name, SpecConstants constants, List<TraceTranslator.Run> runs,
                                  List<TraceTranslator.Symbols> symbols, List<Piece> batch, Path dir, Duration timeout) {
        try {
            Files.createDirectories(dir);
            SpecFiles.copy(SpecFiles.TAB_LEASE, dir);
            SpecFiles.copy(SpecFiles.TRACE_SPEC, dir);
            TraceTranslator.Definitions defs = new TraceTranslator.Definitions();
            StringBuilder traces = new StringBuilder();
            StringJoiner all = new StringJoiner(",\n", "TraceData == <<\n", "\n>>\n");
            StringJoiner starts = new StringJoiner(", ", "StartData == << ", " >>\n");
            for (int k = 0; k < batch.size(); k++) {
                Piece p = batch.get(k);
                TraceTranslator.Run run = runs.get(p.run());
                TraceTranslator.Symbols sym = symbols.get(p.run());
                traces.append("\\* ").append(k + 1).append(": ").append(run.name().replaceAll("\\s", " "))
                        .append(", steps ").append(p.from() + 1).append("..").append(p.to()).append(" of ")
                        .append(run.inputs().size())
                        .append(run.timeOffset() > 0 ? ", times minus " + run.timeOffset() : "").append("\n");
                traces.append("Start").append(k + 1).append(" == ").append(TraceTranslator.start(run, p.from(), sym, defs))
                        .append("\n");
                traces.append("Trace").append(k + 1).append(" == ")
                        .append(TraceTranslator.steps(run, p.from(), p.to(), sym, defs)).append("\n\n");
                all.add("  Trace" + (k + 1));
                starts.add("Start" + (k + 1));
            }
            String module = "------------------------------ MODULE TraceBatch ------------------------------\n"
                    + "\\* generated by dev.tablease.model.TraceValidation: " + batch.size() + " traces\n"
                    + "EXTENDS TraceSpec\n\n"
                    + "\\* the distinct tabs, sessions and their functions in the traces' states, each defined once\n"
                    + defs.text() + "\n" + traces + all + starts
                    + "=============================================================================\n";
            Files.writeString(dir.resolve("TraceBatch.tla"), module, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("TraceBatch.cfg"), "SPECIFICATION TraceBehaviour\nCONSTANTS\n"
                    + constants.cfgConstants() + "    Traces <- TraceData\n    Starts <- StartData\nCHECK_DEADLOCK TRUE\n",
                    StandardCharsets.UTF_8);
            return Tlc.run(name, dir, List.of("-config", "TraceBatch.cfg", "TraceBatch.tla"), timeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the number in the last match of {@code p} after TLC's "Error:" line, or -1 */
    private static int last(Pattern p, String out) {
        Matcher m = p.matcher(out);
        int from = Math.max(out.indexOf("Error:"), 0);
        int found = -1;
        while (m.find(from)) {
            found = Integer.parseInt(m.group(1));
            from = m.end();
        }
        return found;
    }
}

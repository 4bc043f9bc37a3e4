package dev.tablease.model;

import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Validates recorded traces (JSON Lines, docs/trace-format.md) against the TLA+ spec {@code TabLease.tla} with
 * TLC: replays each trace on the kernel ({@code LeaseKernel}, built from the trace's config), which must make
 * exactly the recorded decisions; writes every step (the input and the kernel's whole state after it) as a
 * TLA+ module; and runs TLC on {@code conformance/TraceSpec.tla}, which walks the spec along the steps
 * (docs/conformance.md, "Code → spec"). The spec files come from the class path (model-tla packages them).
 *
 * <p>TLC runs in a forked JVM ({@code java} from {@code java.home}, the class path entry holding
 * {@code tlc2.TLC}, {@code -workers 1}, {@code -Xmx512m}) in a temporary directory with a fresh
 * {@code -metadir}, deleted afterwards unless {@link #keepingFilesIn} names one. One TLC run takes at most
 * 2,500 steps (bounded memory); a longer trace is validated in pieces, one TLC run after the other, each
 * piece starting in the kernel's state where the previous one ended. Immutable; thread-safe.
 *
 * <pre>{@code
 * TraceVerdict v = new TraceValidator().validate(List.of(Path.of("demo-trace.jsonl")));
 * System.out.println(v.describe());   // conforms to TabLease.tla: 1 trace, 406 steps, 407 distinct states, TLC 3.1 s
 * }</pre>
 */
public final class TraceValidator {

    /** How long TLC may take by default: 30 minutes (a trace of the demo's length takes seconds). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private final Duration timeout;
    private final Path keepDir;
    private final Function<KernelConfig, TraceTranslator.Kernel> kernels;
    private final int stepsPerTlcRun;

    /** A validator with {@link #DEFAULT_TIMEOUT} that deletes TLC's files afterwards. */
    public TraceValidator() {
        this(DEFAULT_TIMEOUT, null, TraceTranslator.Kernel::real, TraceValidation.STEPS_PER_TLC_RUN);
    }

    private TraceValidator(Duration timeout, Path keepDir, Function<KernelConfig, TraceTranslator.Kernel> kernels,
                           int stepsPerTlcRun) {
        this.timeout = timeout;
        this.keepDir = keepDir;
        this.kernels = kernels;
        this.stepsPerTlcRun = stepsPerTlcRun;
    }

    /**
     * @param timeout how long TLC may take (positive); it is killed after that
     * @return a validator with that timeout
     */
    public TraceValidator withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive, was " + timeout);
        }
        return new TraceValidator(timeout, keepDir, kernels, stepsPerTlcRun);
    }

    /**
     * @param dir where to write TraceBatch.tla/.cfg, the copied modules, TLC's states and its output
     *            ({@code tlc-output.txt}), and keep them (created when needed)
     * @return a validator that keeps its files there
     */
    public TraceValidator keepingFilesIn(Path dir) {
        return new TraceValidator(timeout, Objects.requireNonNull(dir, "dir").toAbsolutePath(), kernels, stepsPerTlcRun);
    }

    /**
     * Tests only: replays on another kernel than the real one (a deliberately broken variant), to show that
     * TLC rejects a run that leaves the spec.
     *
     * @param kernels builds a fresh kernel for a trace's config
     * @return a validator replaying on those kernels
     */
    TraceValidator withKernels(Function<KernelConfig, TraceTranslator.Kernel> kernels) {
        return new TraceValidator(timeout, keepDir, Objects.requireNonNull(kernels, "kernels"), stepsPerTlcRun);
    }

    /**
     * Tests only: cuts traces into pieces of fewer steps than {@link TraceValidation#STEPS_PER_TLC_RUN}, to
     * check the pieces with short traces.
     *
     * @param steps the most steps one TLC run validates
     * @return a validator that validates at most that many steps a TLC run
     */
    TraceValidator withStepsPerTlcRun(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("at least one step a TLC run, was " + steps);
        }
        return new TraceValidator(timeout, keepDir, kernels, steps);
    }

    /**
     * Validates traces together (one TLC run per 2,500 steps). They must share one config (the spec's
     * constants). The trace files are read and replayed in order; the first one that is malformed, outside
     * the model, or not a run of the kernel ends the validation.
     *
     * @param traces the trace files (at least one)
     * @return the verdict: every trace conforms, or where the first one does not
     * @throws TraceValidationException when there is no verdict: a trace is malformed or outside the spec's
     *                                  model, or TLC could not run ({@link TraceValidationException#problem()})
     */
    public TraceVerdict validate(List<Path> traces) throws TraceValidationException {
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("no trace to validate");
        }
        SpecConstants constants = null;
        Path first = traces.get(0);
        List<TraceTranslator.Run> runs = new ArrayList<>();
        long steps = 0;
        for (Path f : traces) {
            KernelConfig config;
            try (TraceReader r = TraceReader.open(f)) {
                config = r.header().config();
            } catch (TraceFormatException e) {
                throw new TraceValidationException(TraceValidationException.Problem.MALFORMED, f, at(f, e.getMessage()), e);
            } catch (IOException e) {
                throw new TraceValidationException(TraceValidationException.Problem.MALFORMED, f, at(f, e.toString()), e);
            }
            try {
                SpecConstants c = SpecConstants.of(config);
                if (constants != null && !constants.equals(c)) {
                    throw new SpecConstants.OutOfModelException(f + " has another config than " + first
                            + " (traces validated together share the spec's constants)");
                }
                constants = c;
                TraceTranslator.Run run = TraceTranslator.replayFile(f, kernels.apply(config));
                runs.add(run);
                steps += run.inputs().size();
            } catch (SpecConstants.OutOfModelException e) {
                throw new TraceValidationException(TraceValidationException.Problem.OUTSIDE_MODEL, f, at(f, e.getMessage()), e);
            } catch (TraceFormatException e) {
                throw new TraceValidationException(TraceValidationException.Problem.MALFORMED, f, at(f, e.getMessage()), e);
            } catch (InvalidInputException e) {
                throw new TraceValidationException(TraceValidationException.Problem.MALFORMED, f,
                        at(f, "the kernel refuses an input as malformed: " + e.getMessage()), e);
            } catch (UncheckedIOException e) {
                throw new TraceValidationException(TraceValidationException.Problem.MALFORMED, f, at(f, e.getMessage()), e);
            } catch (TraceTranslator.NotAKernelRunException e) {
                return new TraceVerdict(traces, false, steps, 0, 0, 0, 0, Duration.ZERO,
                        new TraceVerdict.Mismatch(f, e.step(), TraceVerdict.Stage.RECORDED_DECISIONS,
                                e.input().toString(), e.detail()), null);
            }
        }
        Path runDir;
        try {
            runDir = keepDir != null ? Files.createDirectories(keepDir) : Files.createTempDirectory("tablease-validate-");
        } catch (IOException e) {
            throw new TraceValidationException(TraceValidationException.Problem.TLC_FAILED, null,
                    "cannot create a directory for TLC: " + e, e);
        }
        try {
            TraceValidation.Verdict v;
            try {
                v = TraceValidation.validate("validate", constants, runs, runDir, timeout, stepsPerTlcRun);
            } catch (SpecConstants.OutOfModelException e) {
                throw new TraceValidationException(TraceValidationException.Problem.OUTSIDE_MODEL, null, e.getMessage(), e);
            } catch (Tlc.RunException | UncheckedIOException e) {
                throw new TraceValidationException(TraceValidationException.Problem.TLC_FAILED, null, e.getMessage(), e);
            }
            Duration tlcTime = v.tlcTime();
            Path kept = keepDir != null ? runDir : null;
            if (v.ok()) {
                return new TraceVerdict(traces, true, steps, v.distinct(), v.expectedStates(), v.pieces(), v.tlc().size(),
                        tlcTime, null, kept);
            }
            if (v.exitCode() == Tlc.DEADLOCK && v.failedRun() > 0) {
                TraceTranslator.Run run = runs.get(v.failedRun() - 1);
                int step = v.failedStep();
                return new TraceVerdict(traces, false, steps, v.distinct(), v.expectedStates(), v.pieces(), v.tlc().size(),
                        tlcTime,
                        new TraceVerdict.Mismatch(traces.get(v.failedRun() - 1), step, TraceVerdict.Stage.SPEC,
                                run.inputs().get(step - 1).toString(), run.posts().get(step - 1).toString()), kept);
            }
            throw new TraceValidationException(TraceValidationException.Problem.TLC_FAILED, null,
                    "TLC gave no verdict: " + v.message(), null);
        } finally {
            if (keepDir == null) {
                Tlc.deleteTree(runDir);
            }
        }
    }

    /** @return {@code message}, after the file's name unless it names the file already */
    private static String at(Path file, String message) {
        return message != null && message.contains(file.toString()) ? message : file + ": " + message;
    }
}

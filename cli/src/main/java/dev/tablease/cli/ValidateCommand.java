package dev.tablease.cli;

import dev.tablease.model.TraceValidationException;
import dev.tablease.model.TraceValidator;
import dev.tablease.model.TraceVerdict;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code tablease validate <trace.jsonl>...}: validates recorded traces (the demo's, or an agent's) against
 * the TLA+ spec with TLC ({@link TraceValidator}): the kernel replays each trace and must make the recorded
 * decisions, and TLC walks TabLease.tla along the kernel's states. One line on standard output: what
 * conforms, or the first mismatching step.
 */
public final class ValidateCommand implements Command {

    @Override
    public String name() {
        return "validate";
    }

    @Override
    public String arguments() {
        return "[--keep <dir>] [--timeout-minutes M] <trace.jsonl>...";
    }

    @Override
    public String summary() {
        return "validate traces against the TLA+ spec with TLC (code -> spec conformance)";
    }

    @Override
    public String help() {
        return """
                Validates traces (JSON Lines, docs/trace-format.md: the demo's demo-trace.jsonl, or a
                trace recorded by agents through TracingKernelStore) against the protocol's TLA+ spec,
                TabLease.tla, with TLC. First the kernel replays each trace, built from the trace's config,
                and must make exactly the decisions the trace recorded; then every step (the input and the
                kernel's whole state after it) is written as a TLA+ module and TLC walks the spec along it
                (conformance/TraceSpec.tla): for every step, the spec's action for that input, with the
                recorded parameters, must lead to exactly the kernel's state. Times are rebased (TLC's
                numbers are 32-bit); see docs/conformance.md for what is and is not validated.

                TLC runs in a forked JVM (-workers 1, -Xmx512m) in a temporary directory with a fresh
                -metadir, deleted afterwards unless --keep is given. One TLC run takes at most 2,500
                steps: a longer trace is validated in pieces, one TLC run after the other, each piece
                starting in the kernel's state where the previous one ended. The default demo's trace
                (about 2,200 steps) takes TLC 10 to 15 s. Traces given together are validated together
                and must share one config.

                Prints one line on standard output: '<trace>: conforms to TabLease.tla: N steps, M
                distinct states, TLC S s', or 'DOES NOT CONFORM: <trace> step N (line N+1): <input>: ...'.

                options:
                  --keep <dir>           keep TraceBatch.tla/.cfg, the modules and TLC's output
                                         (tlc-output.txt) in <dir>
                  --timeout-minutes M    give up after M minutes (default 30)

                exit codes:
                  0  every trace conforms
                  1  a trace does not conform: the kernel decides otherwise than recorded at a step, or no
                     step of the spec takes a step's input to the kernel's state (the step is printed)
                  2  no verdict: an unreadable or malformed trace, a trace outside the spec's model (a
                     request class other than default/pro, per-key cap overrides, an input that finds an
                     overdue session without a Tick first, traces of different configs), TLC could not run
                     or did not finish; or wrong arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        List<Path> traces = new ArrayList<>();
        TraceValidator validator = new TraceValidator();
        try {
            Args a = Args.parse(args, Set.of("keep", "timeout-minutes"), Set.of());
            a.positionalCount(1, Integer.MAX_VALUE, "one or more trace files");
            for (String p : a.positional()) {
                traces.add(Path.of(p));
            }
            validator = validator.withTimeout(Duration.ofMinutes(a.intValue("timeout-minutes", 30, 1, 100_000)));
            if (a.has("keep")) {
                validator = validator.keepingFilesIn(Path.of(a.get("keep", null)));
            }
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        return validate(validator, traces, out, err, "tablease " + name());
    }

    /**
     * Validates and prints the result line: the verdict on {@code out}, a missing verdict on {@code err}.
     *
     * @param who the prefix of error messages, e.g. {@code tablease validate}
     * @return {@link #OK} when every trace conforms, {@link #FAILED} when one does not, {@link #USAGE} when
     *         there is no verdict
     */
    static int validate(TraceValidator validator, List<Path> traces, PrintStream out, PrintStream err, String who) {
        try {
            TraceVerdict v = validator.validate(traces);
            out.println(line(v));
            return v.conforms() ? OK : FAILED;
        } catch (TraceValidationException e) {
            err.println(who + ": no verdict (" + describe(e.problem()) + "): " + e.getMessage());
            return USAGE;
        }
    }

    /** @return the verdict in one line, with the trace's path when it conforms (the mismatch names its own) */
    static String line(TraceVerdict v) {
        String kept = v.filesKept() != null ? " (TLC's files in " + v.filesKept() + ")" : "";
        if (v.conforms()) {
            String paths = v.traces().size() == 1 ? v.traces().get(0).toString() : v.traces().size() + " traces";
            return paths + ": " + v.describe() + kept;
        }
        return v.describe() + kept;
    }

    static String describe(TraceValidationException.Problem p) {
        return switch (p) {
            case MALFORMED -> "the trace cannot be read";
            case OUTSIDE_MODEL -> "outside the spec's model";
            case TLC_FAILED -> "TLC failed";
        };
    }
}

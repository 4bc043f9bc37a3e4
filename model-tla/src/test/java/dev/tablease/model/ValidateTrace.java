package dev.tablease.model;

import dev.tablease.trace.TraceReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates trace files (JSON Lines, docs/trace-format.md) against TabLease.tla from the command line:
 * replays each on the kernel (checking recorded decisions), translates the run with the kernel's state
 * after every step into TraceBatch.tla and runs TLC. All files must share one config. Exit 0: every
 * trace conforms; 1: a trace leaves the spec (the step is printed); 2: a trace is outside the spec's
 * model, malformed, or TLC failed otherwise. Usage (see docs/conformance.md):
 * {@code java -cp <test classpath> dev.tablease.model.ValidateTrace [--keep DIR] <trace.jsonl>...}
 */
public final class ValidateTrace {

    private ValidateTrace() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> files = new ArrayList<>();
        Path runDir = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--keep") && i + 1 < args.length) {
                runDir = Path.of(args[++i]).toAbsolutePath();
            } else {
                files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: ValidateTrace [--keep DIR] <trace.jsonl>...");
            System.exit(2);
        }
        if (System.getProperty("basedir") == null) {
            // where TabLease.tla lives: -Dbasedir=<model-tla>, else the model-tla of the current checkout
            Path guess = Files.isDirectory(Path.of("model-tla")) ? Path.of("model-tla") : Path.of(".");
            System.setProperty("basedir", guess.toAbsolutePath().toString());
        }
        SpecConstants constants = null;
        List<TraceTranslator.Run> runs = new ArrayList<>();
        try {
            for (Path f : files) {
                SpecConstants c;
                try (TraceReader r = TraceReader.open(f)) {
                    c = SpecConstants.of(r.header().config());
                }
                if (constants != null && !constants.equals(c)) {
                    throw new SpecConstants.OutOfModelException(f + " has another config than " + files.get(0));
                }
                constants = c;
                runs.add(TraceTranslator.replayFile(f, KernelUnderTest.real(c.kernelConfig())));
            }
        } catch (SpecConstants.OutOfModelException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("cannot replay: " + e.getMessage());
            System.exit(2);
        }
        if (runDir == null) {
            runDir = Files.createTempDirectory("tablease-validate");
        }
        TraceValidation.Verdict v = TraceValidation.validate("validate", constants, runs, runDir, Duration.ofMinutes(30));
        System.err.println((v.ok() ? "conforms: " : "DOES NOT CONFORM: ") + v.message() + " (TLC files in " + runDir + ")");
        System.exit(v.ok() ? 0 : v.exitCode() == Tlc.DEADLOCK ? 1 : 2);
    }
}

package dev.tablease.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates trace files against TabLease.tla from the command line ({@link TraceValidator}); the CLI's
 * {@code tablease validate} does the same. Usage (docs/conformance.md):
 * {@code java -cp <model-tla's class path> dev.tablease.model.ValidateTrace [--keep DIR] <trace.jsonl>...}.
 * Prints one line to standard error. Exit 0: every trace conforms; 1: a trace does not (its first
 * mismatching step is printed); 2: no verdict (a trace is malformed or outside the spec's model, or TLC
 * failed), or wrong arguments.
 */
public final class ValidateTrace {

    private ValidateTrace() {
    }

    /**
     * @param args {@code [--keep DIR] <trace.jsonl>...}
     */
    public static void main(String[] args) {
        List<Path> files = new ArrayList<>();
        TraceValidator validator = new TraceValidator();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--keep") && i + 1 < args.length) {
                validator = validator.keepingFilesIn(Path.of(args[++i]));
            } else if (args[i].startsWith("-")) {
                files.clear();
                break;
            } else {
                files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: ValidateTrace [--keep DIR] <trace.jsonl>...");
            System.exit(2);
        }
        try {
            TraceVerdict v = validator.validate(files);
            System.err.println(v.describe() + (v.filesKept() != null ? " (TLC files in " + v.filesKept() + ")" : ""));
            System.exit(v.conforms() ? 0 : 1);
        } catch (TraceValidationException e) {
            System.err.println("no verdict (" + e.problem() + "): " + e.getMessage());
            System.exit(2);
        }
    }
}

package dev.tablease.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One in-process run of the CLI: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

    /** Runs {@code tablease args...} with the built-in commands. */
    public static CliRun run(String... args) {
        return run(null, args);
    }

    /** Runs {@code tablease args...} with {@code commands} instead of the built-in ones (when not null). */
    public static CliRun run(List<Command> commands, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        TableaseCli cli = commands == null ? new TableaseCli(o, e) : new TableaseCli(o, e, commands);
        int exit = cli.run(args);
        o.flush();
        e.flush();
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}

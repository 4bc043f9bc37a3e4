package dev.tablease.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One subcommand of {@link TableaseCli} ({@code demo}, {@code replay}, {@code validate}, {@code status},
 * {@code stress}, {@code recover}, {@code check-model}, {@code timeline}, {@code serve}). Exit codes: {@link #OK},
 * {@link #FAILED}, {@link #USAGE}.
 */
public interface Command {

    /** Success. */
    int OK = 0;
    /** The command ran and found a failure (e.g. an invariant violation or a decision mismatch). */
    int FAILED = 1;
    /** Wrong arguments or unusable input (e.g. a malformed trace line, an unreadable file). */
    int USAGE = 2;

    /** @return the name typed after {@code tablease} */
    String name();

    /** @return the arguments, for the usage line, e.g. {@code "<trace.jsonl>"} */
    String arguments();

    /** @return one line saying what the command does */
    String summary();

    /** @return the full help: what it does, its output and its exit codes */
    String help();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command's name
     * @param out  standard output (the command's result)
     * @param err  standard error (diagnostics, summaries)
     * @return the exit code
     */
    int run(List<String> args, PrintStream out, PrintStream err);

    /**
     * Reports wrong arguments: {@code tablease <name>: <problem>} and the usage line on {@code err}.
     *
     * @return {@link #USAGE}
     */
    default int usageError(PrintStream err, String problem) {
        err.println("tablease " + name() + ": " + problem);
        err.println("usage: tablease " + name() + " " + arguments());
        err.println("       tablease " + name() + " --help");
        return USAGE;
    }
}

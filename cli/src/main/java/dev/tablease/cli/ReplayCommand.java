package dev.tablease.cli;

import dev.tablease.replay.ReplayFailedException;
import dev.tablease.replay.ReplaySummary;
import dev.tablease.replay.TraceReplayer;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tablease replay <trace.jsonl | tablease.db | postgresql://…>}: feeds a trace (or a database store's log) through a fresh kernel (see {@link TraceReplayer}),
 * prints the replayed trace (header, then every step with the kernel's decisions) as JSON Lines on
 * standard output, and a one-line summary on standard error. Exit 0 on success, 1 with
 * {@code line N: reason} on an invariant violation or a decision mismatch, 2 with {@code line N: reason}
 * on a malformed line, a bad header or an unreadable file.
 */
public final class ReplayCommand implements Command {

    private final TraceReplayer replayer;

    public ReplayCommand() {
        this(new TraceReplayer());
    }

    /** A replay command with its own replayer (tests: a stub invariant checker). */
    public ReplayCommand(TraceReplayer replayer) {
        this.replayer = replayer;
    }

    @Override
    public String name() {
        return "replay";
    }

    @Override
    public String arguments() {
        return "<trace.jsonl | tablease.db | postgresql://…>";
    }

    @Override
    public String summary() {
        return "replay a trace on a fresh kernel, checking invariants and recorded decisions";
    }

    @Override
    public String help() {
        return """
                Feeds the trace's inputs through a fresh kernel built from its header's config. After
                every step it checks the state invariants and FencedWrites, after every Tick
                NothingOverdue, and, when the trace records decisions, that the kernel decided exactly
                those. The replayed trace (header and every step with the kernel's decisions) is written
                to standard output as JSON Lines; a one-line summary goes to standard error. The trace of
                a run is the store's log: an SQLite file or a PostgreSQL URL (postgresql://user@host:port/db;
                the password from the URL or $PGPASSWORD) is read as its trace.
                The format is described in docs/trace-format.md.

                exit codes:
                  0  every step replayed, every check passed
                  1  line N: an invariant was violated, or the decisions differ from the recorded ones
                  2  line N: a malformed line, a bad header, an input the kernel refuses as malformed
                     (e.g. time going backwards), or an unreadable file; or wrong arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            err.println("tablease replay: expected one trace file" + (args.isEmpty() ? "" : ", got " + args));
            err.println("usage: tablease replay <trace.jsonl | tablease.db | postgresql://…>");
            return USAGE;
        }
        String file = args.get(0);
        BufferedWriter stdout = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        Path traceFile;
        try {
            traceFile = StoreTarget.asTrace(file, System.getenv()); // a database store: its log is the trace
        } catch (IOException | RuntimeException e) {
            err.println(StoreTarget.redact(file) + ": " + e.getMessage());
            return e instanceof dev.tablease.store.LogCorruptException ? FAILED : USAGE;
        }
        try (TraceReader trace = TraceReader.open(traceFile)) {
            TraceWriter echo = new TraceWriter(stdout, trace.header().config());
            ReplaySummary summary = replayer.replay(trace, step -> echo.write(step.input(), step.decisions()));
            echo.flush();
            err.println("replayed " + StoreTarget.redact(file) + ": " + summary.describe());
            return OK;
        } catch (ReplayFailedException e) {
            flush(stdout);
            err.println(e.getMessage());
            return FAILED;
        } catch (TraceFormatException e) {
            flush(stdout);
            err.println(e.getMessage());
            return USAGE;
        } catch (IOException e) {
            err.println(file + ": " + e);
            return USAGE;
        }
    }

    private static void flush(BufferedWriter w) {
        try {
            w.flush();
        } catch (IOException ignored) {
            // the error being reported matters more than the echo
        }
    }
}

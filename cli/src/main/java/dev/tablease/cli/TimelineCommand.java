package dev.tablease.cli;

import dev.tablease.timeline.Timeline;
import dev.tablease.trace.TraceFormatException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tablease timeline <trace.jsonl | tablease.db | postgresql://…> [-o out.html]}: renders a trace (or a database store's log) as one self-contained HTML page
 * ({@link Timeline#renderHtml(Path)}).
 */
public final class TimelineCommand implements Command {

    @Override
    public String name() {
        return "timeline";
    }

    @Override
    public String arguments() {
        return "<trace.jsonl | tablease.db | postgresql://…> [-o <out.html>]";
    }

    @Override
    public String summary() {
        return "draw a trace as one self-contained HTML page (a row per tab over time)";
    }

    @Override
    public String help() {
        return """
                Renders the trace (the demo's, or any trace in the format of docs/trace-format.md) as one
                self-contained HTML page (inline SVG, no external assets): a row per tab over time showing
                idle, reserved (by which session), driven (by which holder and token), waiting requests,
                expiries, revocations and tab deaths. A trace without recorded decisions is first replayed
                on a kernel built from its header.

                options:
                  -o, --out <file>  where to write the page; default: the trace's path with '.html' in
                                    place of '.jsonl' (or with '.html' appended); for a PostgreSQL
                                    store (its log is the trace) <database>.html here

                Prints the path of the page written.

                exit codes:
                  0  the page was written
                  2  wrong arguments, an unreadable or invalid trace (line N: reason), or the page cannot
                     be written
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        try {
            List<String> normalized = args.stream().map(s -> s.equals("-o") ? "--out" : s).toList();
            a = Args.parse(normalized, Set.of("out"), Set.of());
            a.positionalCount(1, 1, "one trace file");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        String trace = a.positional().get(0);
        Path html = a.has("out") ? Path.of(a.get("out", null)) : defaultOutput(trace);
        try {
            String page = Timeline.renderHtml(StoreTarget.asTrace(trace, System.getenv())); // a database store: its log is the trace
            Path dir = html.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(html, page, StandardCharsets.UTF_8);
        } catch (TraceFormatException | dev.tablease.store.StoreException | IllegalStateException e) {
            err.println(e.getMessage());
            return USAGE;
        } catch (IOException e) {
            err.println("tablease timeline: cannot write " + html + ": " + e);
            return USAGE;
        }
        out.println(html);
        return OK;
    }

    /**
     * @return {@code trace.jsonl} → {@code trace.html}; any other name gets {@code .html} appended; a PostgreSQL URL
     * gives {@code <database>.html} in the working directory
     */
    static Path defaultOutput(String arg) {
        if (StoreTarget.isPostgres(arg)) {
            String location = ((StoreTarget.Postgres) StoreTarget.of(arg, Map.of())).location();
            return Path.of(location.substring(location.lastIndexOf('/') + 1) + ".html");
        }
        Path trace = Path.of(arg);
        String name = trace.getFileName().toString();
        String html = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) + ".html" : name + ".html";
        return trace.resolveSibling(html);
    }
}

package dev.tablease.timeline;

import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceHeader;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a trace into one self-contained HTML page (inline SVG and CSS, no script, no external asset):
 * a row per tab over time (opening, idle, reserved by a session, driven by a holder with a token,
 * closing), a lane of waiting requests per key, and marks for expiries, revocations, tab deaths,
 * resets, navigations and refusals; a header gives the trace's config and counts.
 *
 * <p>Everything is derived from the trace's steps: each input and the decisions the kernel recorded
 * for it. A trace without recorded decisions (written by hand) is first replayed on a
 * {@link dev.tablease.kernel.LeaseKernel} built from its header's config.
 *
 * <p>Every drawn element carries a class and {@code data-*} attributes, for example
 * {@code <rect class="bar driven" data-tab="3" data-session="s-1" data-holder="watcher" data-token="2">},
 * so tests and tools can query what is drawn. All text from the trace is escaped.
 */
public final class Timeline {

    private Timeline() {
    }

    /**
     * Renders the timeline of a trace file.
     *
     * @param traceFile a trace in the format of {@code docs/trace-format.md}
     * @return the HTML page
     * @throws TraceFormatException the file cannot be read, is not a valid trace, or (without recorded
     *                              decisions) holds an input the kernel refuses as malformed
     */
    public static String renderHtml(Path traceFile) throws TraceFormatException {
        TraceHeader header;
        List<TraceStep> steps;
        try (TraceReader reader = TraceReader.open(traceFile)) {
            header = reader.header();
            steps = reader.readAll();
        } catch (IOException e) {
            throw closeFailed(traceFile, e);
        }
        Path name = traceFile.getFileName();
        return renderHtml(header, steps, name == null ? traceFile.toString() : name.toString());
    }

    /**
     * Renders the timeline of a trace already read, titled {@code "trace"}.
     *
     * @param header the trace's header (its config gives the caps shown, and the kernel of a replay)
     * @param steps  the trace's steps, in order, with or without recorded decisions
     * @return the HTML page
     * @throws TraceFormatException a step without recorded decisions holds an input the kernel refuses
     *                              as malformed (for example, time going backwards)
     */
    public static String renderHtml(TraceHeader header, List<TraceStep> steps) throws TraceFormatException {
        return renderHtml(header, steps, "trace");
    }

    /**
     * Renders the timeline of a trace already read.
     *
     * @param header the trace's header (its config gives the caps shown, and the kernel of a replay)
     * @param steps  the trace's steps, in order, with or without recorded decisions
     * @param title  what the page calls the trace, usually its file name
     * @return the HTML page
     * @throws TraceFormatException a step without recorded decisions holds an input the kernel refuses
     *                              as malformed (for example, time going backwards)
     */
    public static String renderHtml(TraceHeader header, List<TraceStep> steps, String title)
            throws TraceFormatException {
        TimelineModel model = ModelBuilder.build(header, MissingDecisions.fill(header, steps));
        return HtmlPage.render(model, title, SvgRenderer.render(model));
    }

    /**
     * Renders the timeline of a trace file and writes it, UTF-8, to {@code htmlFile}.
     *
     * @param traceFile the trace
     * @param htmlFile  where to write the page (replaced if it exists)
     * @throws TraceFormatException the trace cannot be read or is not valid
     * @throws IOException          the page cannot be written
     */
    public static void writeHtml(Path traceFile, Path htmlFile) throws TraceFormatException, IOException {
        Files.writeString(htmlFile, renderHtml(traceFile), StandardCharsets.UTF_8);
    }

    private static TraceFormatException closeFailed(Path traceFile, IOException e) {
        TraceFormatException error = new TraceFormatException(0, dev.tablease.trace.TraceError.UNREADABLE,
                traceFile + ": cannot close: " + e.getMessage());
        error.initCause(e);
        return error;
    }
}

package dev.tablease.serve.internal;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.timeline.Timeline;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceHeader;

/**
 * The page of {@code GET /v1/timeline}: the timeline of the service's own transitions since it started (the
 * renderer of {@code tablease timeline}), reloading itself every {@value #REFRESH_SECONDS} s. When the service
 * stopped recording (its bound was reached) the page says so on top.
 */
final class LiveTimeline {

    /** How often the page reloads, in seconds. */
    static final int REFRESH_SECONDS = 5;

    private LiveTimeline() {
    }

    /**
     * @param config   the kernel's configuration (the trace's header)
     * @param recorded the steps kept
     * @return the page
     */
    static String render(KernelConfig config, ObservedStore.Recorded recorded) {
        String html;
        try {
            html = Timeline.renderHtml(TraceHeader.of(config), recorded.steps(), "tablease serve (live)");
        } catch (TraceFormatException | RuntimeException e) {
            // the steps are the kernel's own, so this means a renderer bug: say so, never a stack trace
            html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    + "<title>tablease serve (live)</title>\n</head>\n<body>\n<p>The timeline of "
                    + recorded.steps().size() + " steps cannot be drawn: " + escape(String.valueOf(e.getMessage()))
                    + "</p>\n</body>\n</html>\n";
        }
        String head = "<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">\n";
        html = html.replaceFirst("<head>\n", "<head>\n" + head);
        if (recorded.dropped() > 0) {
            String note = "<p style=\"background:#fee;padding:6px\">The service stopped recording its timeline after "
                    + recorded.steps().size() + " steps; " + recorded.dropped() + " later steps are not drawn (the "
                    + "store's own log has them: <code>tablease timeline &lt;store&gt;</code>).</p>\n";
            html = html.replaceFirst("<body>\n", "<body>\n" + note);
        }
        return html;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

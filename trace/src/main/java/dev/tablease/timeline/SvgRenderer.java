package dev.tablease.timeline;

import dev.tablease.timeline.TimelineModel.Drive;
import dev.tablease.timeline.TimelineModel.KeyGroup;
import dev.tablease.timeline.TimelineModel.Mark;
import dev.tablease.timeline.TimelineModel.Segment;
import dev.tablease.timeline.TimelineModel.TabPhase;
import dev.tablease.timeline.TimelineModel.TabRow;
import dev.tablease.timeline.TimelineModel.Wait;

import static dev.tablease.timeline.Xml.esc;
import static dev.tablease.timeline.Xml.fit;
import static dev.tablease.timeline.Xml.num;
import static dev.tablease.timeline.Xml.seconds;

/**
 * Draws a {@link TimelineModel} as one SVG element: a time axis in seconds from the first step, then per
 * key a header, a row per tab (phase bands, lease bars, point marks) and a lane of waiting requests.
 * Every drawn element has a class and {@code data-*} attributes naming what it stands for, and a
 * {@code <title>} (the tooltip). The SVG scales to the page's width (viewBox).
 */
final class SvgRenderer {

    static final double WIDTH = 1200;
    static final double LABELS = 190;
    static final double RIGHT = 30;
    static final double AXIS = 30;
    static final double KEY_ROW = 26;
    static final double TAB_ROW = 40;
    static final double LANE = 14;
    static final double GAP = 8;

    private final TimelineModel model;
    private final double span;
    private final StringBuilder out = new StringBuilder(16_384);

    private SvgRenderer(TimelineModel model) {
        this.model = model;
        this.span = Math.max(model.end - model.start, 1000);
    }

    /** @return the SVG element */
    static String render(TimelineModel model) {
        return new SvgRenderer(model).svg();
    }

    private String svg() {
        double height = AXIS;
        for (KeyGroup group : model.keys) {
            height += KEY_ROW + group.tabs.size() * TAB_ROW + group.lanes * LANE + 10 + GAP;
        }
        height += 4;
        out.append("<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(num(WIDTH)).append(' ').append(num(height)).append("\" width=\"100%\" role=\"img\"")
                .append(" data-start=\"").append(model.start).append("\" data-end=\"").append(model.end).append("\">\n");
        out.append("<title>tabs over time, seconds from the first step</title>\n");
        axis(height);
        double y = AXIS;
        for (KeyGroup group : model.keys) {
            y = group(group, y);
        }
        out.append("</svg>");
        return out.toString();
    }

    private double x(long t) {
        return LABELS + (t - model.start) * (WIDTH - LABELS - RIGHT) / span;
    }

    private void axis(double height) {
        double step = niceStep(span / 1000.0 / 8);
        out.append("<g class=\"axis\">\n");
        for (int i = 0; i * step <= span / 1000.0 + 1e-9; i++) {
            long t = model.start + Math.round(i * step * 1000);
            double x = x(t);
            out.append("<line class=\"grid\" x1=\"").append(num(x)).append("\" y1=\"").append(num(AXIS - 6))
                    .append("\" x2=\"").append(num(x)).append("\" y2=\"").append(num(height)).append("\"/>");
            out.append("<text class=\"tick\" x=\"").append(num(x)).append("\" y=\"").append(num(AXIS - 10))
                    .append("\">").append(seconds(t - model.start)).append(i == 0 ? " s" : "").append("</text>\n");
        }
        out.append("</g>\n");
    }

    /** @return a step of 1, 2 or 5 times a power of ten, at least {@code raw} */
    static double niceStep(double raw) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * power >= raw) {
                return m * power;
            }
        }
        return 10 * power;
    }

    private double group(KeyGroup group, double y) {
        out.append("<g class=\"key\" data-key=\"").append(esc(group.key)).append("\">\n");
        out.append("<line class=\"key-rule\" x1=\"0\" y1=\"").append(num(y + 2)).append("\" x2=\"").append(num(WIDTH))
                .append("\" y2=\"").append(num(y + 2)).append("\"/>");
        out.append("<text x=\"4\" y=\"").append(num(y + 18)).append("\"><tspan class=\"key-name\">")
                .append(esc("key " + group.key)).append("</tspan><tspan class=\"key-info\" dx=\"10\">")
                .append(esc("cap " + group.cap + " \u00b7 most tabs at once " + group.mostTabs + " \u00b7 "
                        + group.tabs.size() + " tab" + (group.tabs.size() == 1 ? "" : "s") + " opened"))
                .append("</tspan></text>");
        y += KEY_ROW;
        for (TabRow tab : group.tabs) {
            tab(tab, y);
            y += TAB_ROW;
        }
        waiters(group, y);
        out.append("</g>\n");
        return y + group.lanes * LANE + 10 + GAP;
    }

    private void tab(TabRow tab, double y) {
        String id = Long.toString(tab.tabId);
        out.append("<g class=\"tab\" data-tab=\"").append(id).append("\" data-key=\"").append(esc(tab.key))
                .append("\" data-target=\"").append(esc(tab.targetId)).append("\">\n");
        text("tab-name", 4, y + 17, "tab " + id + " \u00b7 " + fit(tab.key, 120, 12));
        text("tab-target", 4, y + 31, tab.targetId == null ? "target \u2014 (never opened)"
                : "target " + fit(tab.targetId, LABELS - 50, 10));
        for (Segment s : tab.segments) {
            double x1 = x(s.from);
            double w = Math.max(x(s.to) - x1, 1.5);
            out.append("<rect class=\"seg ").append(s.phase.css()).append("\" data-tab=\"").append(id).append('"');
            attr("data-session", s.sessionId);
            attr("data-reason", s.detail);
            rect(x1, y + 4, w, TAB_ROW - 8);
            out.append("><title>").append(esc("tab " + id + " " + describe(s) + ", " + range(s.from, s.to)))
                    .append("</title></rect>\n");
            if (s.phase == TabPhase.RESERVED && s.sessionId != null) {
                text("seg-label", x1 + 3, y + 14, fit(s.sessionId, w - 6, 9));
            } else if (s.phase != TabPhase.RESERVED) {
                text("seg-label", x1 + 3, y + 14, fit(s.phase == TabPhase.POOLED ? "idle" : s.phase.css(), w - 6, 9));
            }
        }
        for (Drive d : tab.drives) {
            boolean markAtStart = tab.marks.stream().anyMatch(m -> m.kind().equals("revoked") && m.at() == d.from);
            drive(d, id, y, markAtStart ? 10 : 4);
        }
        for (Mark m : tab.marks) {
            mark(m, "data-tab", id, y + 25);
        }
        out.append("</g>\n");
    }

    private void drive(Drive d, String tabId, double y, double labelInset) {
        double x1 = x(d.from);
        double w = Math.max(x(d.to) - x1, 2);
        out.append("<rect class=\"bar driven\" data-tab=\"").append(tabId).append('"');
        attr("data-session", d.sessionId);
        attr("data-holder", d.holder);
        out.append(" data-token=\"").append(d.token).append("\" data-end=\"").append(d.end).append('"');
        attr("data-end-reason", d.endReason);
        rect(x1, y + 17, w, 16);
        String end = d.end.equals("open") ? "still held when the trace ends" : d.end + " (" + d.endReason + ")";
        out.append("><title>").append(esc(d.holder + " drives " + d.sessionId + " with token " + d.token + ", "
                + range(d.from, d.to) + ", " + end + (d.beats.isEmpty() ? "" : ", " + d.beats.size() + " heartbeats")))
                .append("</title></rect>\n");
        for (long beat : d.beats) {
            double bx = x(beat);
            out.append("<line class=\"beat\" x1=\"").append(num(bx)).append("\" y1=\"").append(num(y + 29))
                    .append("\" x2=\"").append(num(bx)).append("\" y2=\"").append(num(y + 33)).append("\"/>");
        }
        text("bar-label", x1 + labelInset, y + 28.5, fit(d.holder + " \u00b7 #" + d.token, w - labelInset - 4, 10));
    }

    private void waiters(KeyGroup group, double y) {
        out.append("<g class=\"waiters\" data-key=\"").append(esc(group.key)).append("\">\n");
        out.append("<rect class=\"lane\"");
        rect(LABELS, y + 2, WIDTH - LABELS - RIGHT, group.lanes * LANE + 4);
        out.append("/>");
        text("lane-name", 4, y + 13, "waiters (" + group.waits.size() + ")");
        for (Wait w : group.waits) {
            double x1 = x(w.from);
            double width = Math.max(x(w.to) - x1, 2);
            double top = y + 4 + w.lane * LANE;
            out.append("<rect class=\"bar waiting ").append(w.outcome).append("\" data-key=\"").append(esc(group.key))
                    .append("\" data-request=\"").append(w.requestId).append('"');
            attr("data-session", w.sessionId);
            attr("data-holder", w.holder);
            out.append(" data-outcome=\"").append(w.outcome).append('"');
            attr("data-reason", w.reason);
            rect(x1, top, width, LANE - 3);
            out.append("><title>").append(esc("request " + w.requestId + ": " + w.holder + " for " + w.sessionId
                    + " waits " + range(w.from, w.to) + ", " + w.outcome + (w.reason == null ? "" : " (" + w.reason + ")")))
                    .append("</title></rect>");
            if (!w.outcome.equals("waiting")) {
                double ex = x1 + width;
                out.append("<rect class=\"end ").append(w.outcome).append('"');
                rect(ex - 2, top - 1, 3, LANE - 1);
                out.append("/>");
            }
            text("wait-label", x1 + 3, top + 8.5, fit(w.holder, width - 6, 8));
            out.append('\n');
        }
        for (Mark m : group.marks) {
            mark(m, "data-key", group.key, y + 4 + (LANE - 3) / 2.0);
        }
        out.append("</g>\n");
    }

    private void mark(Mark m, String owner, String ownerValue, double cy) {
        double cx = x(m.at());
        out.append("<g class=\"mark ").append(m.kind()).append("\" ").append(owner).append("=\"").append(esc(ownerValue))
                .append('"');
        attr("data-reason", m.reason());
        out.append(" data-at=\"").append(m.at()).append("\"><title>")
                .append(esc(m.kind() + (m.reason() == null ? "" : " " + m.reason()) + " at "
                        + seconds(m.at() - model.start) + " s: " + m.text()))
                .append("</title>");
        switch (m.kind()) {
            case "gone", "open-failed" -> { // the row ends here: a rule at the time, the cross just after it
                double r = 5.5;
                double gx = cx + r + 3;
                out.append(path("M" + num(cx) + ' ' + num(cy - 20) + "V" + num(cy + 10)
                        + "M" + num(gx - r) + ' ' + num(cy - r) + "L" + num(gx + r) + ' ' + num(cy + r)
                        + "M" + num(gx + r) + ' ' + num(cy - r) + "L" + num(gx - r) + ' ' + num(cy + r)));
            }
            case "rejected", "cancelled" -> {
                double r = 4;
                out.append(path("M" + num(cx - r) + ' ' + num(cy - r) + "L" + num(cx + r) + ' ' + num(cy + r)
                        + "M" + num(cx + r) + ' ' + num(cy - r) + "L" + num(cx - r) + ' ' + num(cy + r)));
            }
            case "revoked" -> out.append(path("M" + num(cx) + ' ' + num(cy - 7) + "L" + num(cx + 7) + ' ' + num(cy)
                    + "L" + num(cx) + ' ' + num(cy + 7) + "L" + num(cx - 7) + ' ' + num(cy) + "Z"));
            case "reset" -> out.append(path("M" + num(cx - 5) + ' ' + num(cy - 25) + "L" + num(cx + 5) + ' '
                    + num(cy - 25) + "L" + num(cx) + ' ' + num(cy - 17) + "Z"));
            case "navigate" -> out.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy + 12))
                    .append("\" r=\"4\"/>");
            case "deadline" -> out.append(path("M" + num(cx) + ' ' + num(cy - 20) + "V" + num(cy + 10)));
            case "recovered" -> out.append(path("M" + num(cx) + ' ' + num(cy - 8) + "L" + num(cx + 7) + ' '
                    + num(cy + 6) + "L" + num(cx - 7) + ' ' + num(cy + 6) + "Z"));
            default -> { // refused: above the bar, clear of its label
                double ry = cy - 14;
                out.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(ry)).append("\" r=\"5\"/>")
                        .append(path("M" + num(cx - 3.5) + ' ' + num(ry + 3.5) + "L" + num(cx + 3.5) + ' ' + num(ry - 3.5)));
            }
        }
        out.append("</g>\n");
    }

    private static String path(String d) {
        return "<path d=\"" + d + "\"/>";
    }

    private String describe(Segment s) {
        return switch (s.phase) {
            case OPENING -> "opening";
            case POOLED -> "idle (pooled)";
            case RESERVED -> "reserved for " + (s.sessionId == null ? "a session" : s.sessionId);
            case CLOSING -> "closing (" + s.detail + ")";
        };
    }

    private String range(long from, long to) {
        return seconds(from - model.start) + " s \u2013 " + seconds(to - model.start) + " s";
    }

    private void rect(double x, double y, double w, double h) {
        out.append(" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append('"');
    }

    private void attr(String name, String value) {
        if (value != null) {
            out.append(' ').append(name).append("=\"").append(esc(value)).append('"');
        }
    }

    private void text(String cls, double x, double y, String text) {
        if (!text.isEmpty()) {
            out.append("<text class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
                    .append("\">").append(esc(text)).append("</text>");
        }
    }
}

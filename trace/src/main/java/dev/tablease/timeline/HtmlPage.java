package dev.tablease.timeline;

import dev.tablease.kernel.KernelConfig;

import java.util.Map;
import java.util.stream.Collectors;

import static dev.tablease.timeline.Xml.esc;
import static dev.tablease.timeline.Xml.seconds;

/**
 * The page around the SVG: a header with the trace's config and counts, a legend, inline CSS. No
 * script, no external asset: the page is one self-contained file.
 */
final class HtmlPage {

    private static final String CSS = """
            body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:16px 20px;color:#1a202c;background:#fff}
            h1{font-size:20px;margin:0 0 2px}
            .source{color:#4a5568;margin:0 0 10px;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px;overflow-wrap:anywhere}
            .config,.counts{display:flex;flex-wrap:wrap;gap:4px 8px;margin:0 0 8px;padding:0;list-style:none}
            .config li{background:#edf2f7;border-radius:4px;padding:1px 8px;font-size:13px}
            .counts li{border:1px solid #cbd5e0;border-radius:4px;padding:1px 8px;font-size:13px}
            .counts b{font-size:15px}
            .legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0 10px;padding:6px 8px;list-style:none;background:#f7fafc;border:1px solid #e2e8f0;border-radius:4px;font-size:12.5px}
            .legend li{display:flex;align-items:center;gap:5px}
            .legend svg{width:28px;height:16px;flex:none}
            svg.timeline{display:block;max-width:1600px;font-family:system-ui,"DejaVu Sans",sans-serif}
            .grid{stroke:#e2e8f0;stroke-width:1}
            .tick{font-size:11px;fill:#4a5568;text-anchor:middle}
            .key-rule{stroke:#a0aec0;stroke-width:1}
            .key-name{font-size:14px;font-weight:700;fill:#1a202c}
            .key-info{font-size:12px;fill:#4a5568}
            .tab-name{font-size:12px;font-weight:600;fill:#2d3748}
            .tab-target{font-size:10px;fill:#718096;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
            .seg.opening{fill:#bee3f8}.seg.pooled{fill:#e2e8f0}.seg.reserved{fill:#fbd38d}.seg.closing{fill:#fed7e2}
            .seg-label{font-size:9px;fill:#744210}
            .bar.driven{fill:#2b6cb0;stroke:#fff;stroke-width:1}.bar.driven[data-end=revoked]{fill:#9c4221}
            .bar-label{font-size:10px;fill:#fff;pointer-events:none}
            .beat{stroke:#fff;stroke-opacity:.75;stroke-width:1.2}
            .lane{fill:#faf5ff;stroke:#e9d8fd}
            .lane-name{font-size:11px;font-style:italic;fill:#553c9a}
            .bar.waiting{fill:#b794f4}
            .end.granted{fill:#2f855a}.end.rejected{fill:#c53030}.end.cancelled{fill:#718096}
            .wait-label{font-size:8px;fill:#322659;pointer-events:none}
            .mark path,.mark circle{stroke-linecap:round}
            .mark.gone path{stroke:#c53030;stroke-width:2.5}
            .mark.open-failed path,.mark.cancelled path{stroke:#718096;stroke-width:2.5}
            .mark.rejected path{stroke:#c53030;stroke-width:2.5}
            .mark.revoked path{fill:#dd6b20;stroke:#fff;stroke-width:1.5}
            .mark.revoked[data-reason=TAB_GONE] path{fill:#742a2a}
            .mark.reset path{fill:#6b46c1}
            .mark.navigate circle{fill:#fff;stroke:#2c7a7b;stroke-width:2}
            .mark.deadline path{stroke:#1a202c;stroke-width:2;stroke-dasharray:3 2}
            .mark.recovered path{fill:#2f855a;stroke:#fff;stroke-width:1.5}
            .mark.refused circle{fill:#fff;stroke:#c53030;stroke-width:1.8}.mark.refused path{stroke:#c53030;stroke-width:1.8}
            """;

    private HtmlPage() {
    }

    static String render(TimelineModel model, String title, String svg) {
        StringBuilder out = new StringBuilder(svg.length() + 8_192);
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc("tablease timeline: " + title)).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<header>\n")
                .append("<h1>tablease timeline</h1>\n<p class=\"source\">").append(esc(title)).append("</p>\n");
        config(out, model.config);
        counts(out, model);
        out.append("</header>\n");
        legend(out);
        out.append(svg).append("\n</body>\n</html>\n");
        return out.toString();
    }

    private static void config(StringBuilder out, KernelConfig c) {
        String overrides = c.maxPerKeyOverrides().isEmpty() ? "" : " (" + c.maxPerKeyOverrides().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")";
        String classes = c.requestClassBudgetsMillis().entrySet().stream()
                .map(e -> e.getKey() + " " + seconds(e.getValue()) + " s").collect(Collectors.joining(", "));
        out.append("<ul class=\"config\" aria-label=\"config\">");
        item(out, "caps " + c.maxPerKey() + " per key" + overrides + ", " + c.globalMax() + " in total");
        item(out, "heartbeat every " + seconds(c.heartbeatIntervalMillis()) + " s, dead after "
                + c.missedHeartbeats() + " missed");
        item(out, "budgets " + classes + " (+" + seconds(c.deadlineMarginMillis()) + " s margin)");
        item(out, "pool TTL " + seconds(c.poolTtlMillis()) + " s");
        item(out, "queues " + c.queueCapacity() + " deep, timeout " + seconds(c.queueTimeoutMillis()) + " s");
        out.append("</ul>\n");
    }

    private static void counts(StringBuilder out, TimelineModel model) {
        out.append("<ul class=\"counts\" aria-label=\"counts\">");
        count(out, "steps", Integer.toString(model.steps), null);
        count(out, "span", seconds(model.end - model.start) + " s", null);
        String perKey = model.keys.stream().map(k -> k.key + " " + k.mostTabs).collect(Collectors.joining(", "));
        count(out, "most tabs at once", Integer.toString(model.mostTabs), perKey.isEmpty() ? null : perKey);
        for (Map.Entry<String, Integer> e : model.counts.entrySet()) {
            Map<String, Integer> reasons = model.reasons.get(e.getKey());
            String detail = reasons == null ? null : reasons.entrySet().stream()
                    .map(r -> r.getKey() + " " + r.getValue()).collect(Collectors.joining(", "));
            count(out, e.getKey(), Integer.toString(e.getValue()), detail);
        }
        out.append("</ul>\n");
    }

    private static void item(StringBuilder out, String text) {
        out.append("<li>").append(esc(text)).append("</li>");
    }

    private static void count(StringBuilder out, String name, String value, String detail) {
        out.append("<li data-count=\"").append(esc(name)).append("\">").append(esc(name)).append(" <b>")
                .append(esc(value)).append("</b>").append(detail == null ? "" : " (" + esc(detail) + ")").append("</li>");
    }

    private static void legend(StringBuilder out) {
        out.append("<ul class=\"legend\" aria-label=\"legend\">");
        swatch(out, "<rect class=\"seg opening\" x=\"0\" y=\"1\" width=\"28\" height=\"14\"/>", "opening");
        swatch(out, "<rect class=\"seg pooled\" x=\"0\" y=\"1\" width=\"28\" height=\"14\"/>", "idle (pooled)");
        swatch(out, "<rect class=\"seg reserved\" x=\"0\" y=\"1\" width=\"28\" height=\"14\"/>", "reserved (session)");
        swatch(out, "<rect class=\"bar driven\" x=\"0\" y=\"3\" width=\"28\" height=\"10\"/>", "driven (holder \u00b7 #token)");
        swatch(out, "<rect class=\"bar driven\" data-end=\"revoked\" x=\"0\" y=\"3\" width=\"28\" height=\"10\"/>",
                "lease that was revoked");
        swatch(out, "<rect class=\"seg closing\" x=\"0\" y=\"1\" width=\"28\" height=\"14\"/>", "closing");
        swatch(out, "<rect class=\"bar waiting\" x=\"0\" y=\"3\" width=\"24\" height=\"10\"/>"
                + "<rect class=\"end granted\" x=\"24\" y=\"2\" width=\"3\" height=\"12\"/>", "waiting \u2192 granted");
        swatch(out, "<rect class=\"bar waiting\" x=\"0\" y=\"3\" width=\"24\" height=\"10\"/>"
                + "<rect class=\"end rejected\" x=\"24\" y=\"2\" width=\"3\" height=\"12\"/>", "waiting \u2192 rejected");
        swatch(out, "<g class=\"mark revoked\"><path d=\"M14 1L21 8L14 15L7 8Z\"/></g>", "expiry (heartbeat missed, deadline)");
        swatch(out, "<g class=\"mark revoked\" data-reason=\"TAB_GONE\"><path d=\"M14 1L21 8L14 15L7 8Z\"/></g>",
                "revoked: tab gone");
        swatch(out, "<g class=\"mark gone\"><path d=\"M6 0V16M11 3L21 13M21 3L11 13\"/></g>", "tab died");
        swatch(out, "<g class=\"mark rejected\"><path d=\"M10 4L18 12M18 4L10 12\"/></g>", "rejected at once");
        swatch(out, "<g class=\"mark reset\"><path d=\"M9 3L19 3L14 11Z\"/></g>", "reset");
        swatch(out, "<g class=\"mark navigate\"><circle cx=\"14\" cy=\"8\" r=\"4\"/></g>", "navigate");
        swatch(out, "<g class=\"mark deadline\"><path d=\"M14 0V16\"/></g>", "reservation deadline");
        swatch(out, "<g class=\"mark recovered\"><path d=\"M14 1L21 15L7 15Z\"/></g>",
                "recovered: a dead tab's reservation moved here (same slot)");
        swatch(out, "<g class=\"mark refused\"><circle cx=\"14\" cy=\"8\" r=\"5\"/><path d=\"M10.5 11.5L17.5 4.5\"/></g>",
                "refused (e.g. stale token)");
        swatch(out, "<rect class=\"bar driven\" x=\"0\" y=\"3\" width=\"28\" height=\"10\"/>"
                + "<line class=\"beat\" x1=\"14\" y1=\"9\" x2=\"14\" y2=\"13\"/>", "heartbeat");
        out.append("</ul>\n");
    }

    private static void swatch(StringBuilder out, String shapes, String label) {
        out.append("<li><svg viewBox=\"0 0 28 16\" aria-hidden=\"true\">").append(shapes).append("</svg>")
                .append(esc(label)).append("</li>");
    }
}

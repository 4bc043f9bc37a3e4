package dev.tablease.timeline;

import java.util.Locale;

/** Escaping and number formatting for the generated HTML and SVG. */
final class Xml {

    private Xml() {
    }

    /** @return {@code text} safe inside an element or a quoted attribute */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        out.append(' '); // control characters are not allowed in XML 1.0
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** @return a coordinate with one decimal, {@code .0} dropped */
    static String num(double value) {
        String s = String.format(Locale.ROOT, "%.1f", value);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    /** @return milliseconds as seconds, e.g. {@code 240}, {@code 0.5}, {@code 121.2} */
    static String seconds(long millis) {
        if (millis % 1000 == 0) {
            return Long.toString(millis / 1000);
        }
        String s = String.format(Locale.ROOT, "%.3f", millis / 1000.0);
        return s.replaceAll("0+$", "");
    }

    /** @return {@code text} cut to about {@code width} pixels at {@code fontSize}, or empty when too little fits */
    static String fit(String text, double width, double fontSize) {
        int chars = (int) Math.floor(width / (fontSize * 0.6));
        if (text.length() <= chars) {
            return text;
        }
        return chars < 4 ? "" : text.substring(0, chars - 1) + "\u2026";
    }
}

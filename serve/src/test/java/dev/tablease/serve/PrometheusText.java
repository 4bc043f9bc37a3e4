package dev.tablease.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4) for the tests: every line is a {@code # HELP}, a
 * {@code # TYPE} or a sample {@code name{labels} value}; every sample's metric family has a TYPE before it; a
 * histogram's buckets are cumulative (never decreasing, ending with {@code le="+Inf"}), and its {@code _count}
 * equals its {@code +Inf} bucket.
 */
final class PrometheusText {

    /** A sample line. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*)})? (-?[0-9.eE+-]+|NaN|[+-]Inf)");
    /** One label of a sample. */
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

    /** The samples read: the name with its labels as written ({@code name{a="b"}}) → value. */
    final Map<String, Double> samples = new HashMap<>();
    /** What is wrong with the text; empty when it is valid. */
    final List<String> problems = new ArrayList<>();

    private PrometheusText() {
    }

    /** @return the text read, with its problems */
    static PrometheusText read(String text) {
        PrometheusText p = new PrometheusText();
        Map<String, String> types = new HashMap<>();
        Map<String, Double> lastBucket = new HashMap<>();
        Map<String, Double> infBucket = new HashMap<>();
        Set<String> families = new HashSet<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                if (n != text.split("\n", -1).length) {
                    p.problems.add("line " + n + ": empty");
                }
                continue;
            }
            if (line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                if (parts.length != 4 || !Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[3])) {
                    p.problems.add("line " + n + ": bad TYPE: " + line);
                } else if (types.put(parts[2], parts[3]) != null) {
                    p.problems.add("line " + n + ": second TYPE of " + parts[2]);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                p.problems.add("line " + n + ": not a sample: " + line);
                continue;
            }
            String name = m.group(1);
            String family = name.replaceFirst("_(bucket|sum|count)$", "");
            if (!types.containsKey(name) && !types.containsKey(family)) {
                p.problems.add("line " + n + ": " + name + " has no TYPE before it");
            }
            families.add(family);
            double value = Double.parseDouble(m.group(4).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
            String key = name + (m.group(2) == null ? "" : m.group(2));
            if (p.samples.put(key, value) != null) {
                p.problems.add("line " + n + ": " + key + " twice");
            }
            if ("histogram".equals(types.get(family)) && name.endsWith("_bucket")) {
                String le = null;
                Matcher l = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
                while (l.find()) {
                    if (l.group(1).equals("le")) {
                        le = l.group(2);
                    }
                }
                if (le == null) {
                    p.problems.add("line " + n + ": a bucket without le");
                    continue;
                }
                Double before = lastBucket.put(family, value);
                if (before != null && value < before) {
                    p.problems.add("line " + n + ": bucket le=" + le + " of " + family + " is " + value
                            + ", below the one before (" + before + "): not cumulative");
                }
                if (le.equals("+Inf")) {
                    infBucket.put(family, value);
                }
            }
        }
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (t.getValue().equals("histogram")) {
                Double inf = infBucket.get(t.getKey());
                Double count = p.samples.get(t.getKey() + "_count");
                if (inf == null || count == null || !inf.equals(count)) {
                    p.problems.add(t.getKey() + ": _count " + count + " is not the +Inf bucket " + inf);
                }
            }
        }
        return p;
    }

    /** @return the sample's value, or -1 when there is none */
    double value(String key) {
        return samples.getOrDefault(key, -1.0);
    }
}

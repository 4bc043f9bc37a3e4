package dev.tablease.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What TLC reports about the size of a run, read from its output: states generated, distinct states and
 * the depth of the state graph search ({@code -1} for a figure the output does not contain, e.g. after a
 * simulation or an early error). Shared by the model tests and the CLI's {@code check-model}.
 *
 * @param generated states generated (the last report wins)
 * @param distinct  distinct states found (the last report wins)
 * @param depth     depth of the complete state graph search
 */
public record TlcStatistics(long generated, long distinct, int depth) {

    /** Matches TLC's progress and final line; its start marks the end of a counterexample. */
    public static final Pattern STATES = Pattern.compile(
            "(\\d+) states generated, (\\d+) distinct states found, (\\d+) states left on queue");
    private static final Pattern DEPTH = Pattern.compile("The depth of the complete state graph search is (\\d+)");

    /**
     * @param output everything TLC printed
     * @return the figures it reported
     */
    public static TlcStatistics parse(String output) {
        long generated = -1;
        long distinct = -1;
        Matcher s = STATES.matcher(output);
        while (s.find()) {
            generated = Long.parseLong(s.group(1));
            distinct = Long.parseLong(s.group(2));
        }
        Matcher d = DEPTH.matcher(output);
        int depth = d.find() ? Integer.parseInt(d.group(1)) : -1;
        return new TlcStatistics(generated, distinct, depth);
    }
}

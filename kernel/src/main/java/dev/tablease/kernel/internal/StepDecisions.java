package dev.tablease.kernel.internal;

import dev.tablease.kernel.Decision;

import java.util.ArrayList;
import java.util.List;

/**
 * The decisions of one kernel step, in order, returned as one immutable list. Most steps emit one or two
 * decisions: those are held in two fields and returned as {@code List.of(..)} (no array, no copy); a
 * list is only built from the third decision on.
 *
 * <p>One instance per step, created by the kernel and passed to every helper that decides something,
 * never kept in a field of the kernel: a step's decisions are new objects, and storing a new object
 * into a long-lived one (the kernel) costs a write barrier under G1 (a fence and a dirty card each);
 * stored into this new collector they cost none. Measured in {@code docs/benchmarks.md}.
 */
public final class StepDecisions {
    private Decision first;
    private Decision second;
    private List<Decision> all;

    /** Appends {@code d}. */
    public void add(Decision d) {
        if (all != null) {
            all.add(d);
        } else if (first == null) {
            first = d;
        } else if (second == null) {
            second = d;
        } else {
            all = new ArrayList<>(8);
            all.add(first);
            all.add(second);
            all.add(d);
        }
    }

    /** @return the decisions added so far, in order, as an immutable list */
    public List<Decision> toList() {
        if (all != null) {
            return List.copyOf(all);
        }
        if (first == null) {
            return List.of();
        }
        return second == null ? List.of(first) : List.of(first, second);
    }
}

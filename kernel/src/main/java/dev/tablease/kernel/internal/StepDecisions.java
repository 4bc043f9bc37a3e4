package dev.tablease.kernel.internal;

import dev.tablease.kernel.Decision;

import java.util.ArrayList;
import java.util.List;

/**
 * The decisions of one kernel step, in order, returned as one immutable list. Most steps emit one or two
 * decisions: those are held in two fields and returned as {@code List.of(..)} (no array, no copy); a
 * list is only built from the third decision on. One instance per kernel: {@link #take()} empties it,
 * and the kernel {@link #clear()}s it at the start of every step (a step that threw may have left some).
 */
public final class StepDecisions {
    private Decision first;
    private Decision second;
    private List<Decision> all;

    /** Appends {@code d}. */
    public void add(Decision d) {
        if (all != null && !all.isEmpty()) {
            all.add(d);
        } else if (first == null) {
            first = d;
        } else if (second == null) {
            second = d;
        } else {
            if (all == null) {
                all = new ArrayList<>(8);
            }
            all.add(first);
            all.add(second);
            all.add(d);
        }
    }

    /**
     * @return the decisions added since the last {@link #take()} or {@link #clear()}, in order, as an
     *         immutable list; this collector is then empty
     */
    public List<Decision> take() {
        List<Decision> decisions;
        if (all != null && !all.isEmpty()) {
            decisions = List.copyOf(all);
        } else if (first == null) {
            decisions = List.of();
        } else {
            decisions = second == null ? List.of(first) : List.of(first, second);
        }
        clear();
        return decisions;
    }

    /** Forgets the decisions added so far. */
    public void clear() {
        first = null;
        second = null;
        if (all != null) {
            if (all.size() > 64) {
                all = null; // a large step (a Tick that ended many sessions): do not keep its array
            } else {
                all.clear();
            }
        }
    }
}

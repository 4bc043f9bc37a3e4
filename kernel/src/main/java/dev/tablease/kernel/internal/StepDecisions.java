package dev.tablease.kernel.internal;

import dev.tablease.kernel.Decision;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * The decisions of one kernel step, in order: collected while the step runs ({@link #append}), then
 * {@link #freeze() frozen} and handed out as the step's immutable list itself (no copy, no second
 * object). Most steps emit one or two decisions: those are held in two fields; an array list is only
 * built from the third decision on.
 *
 * <p>One instance per step, created by the kernel and passed to every helper that decides something,
 * never kept in a field of the kernel: a step's decisions are new objects, and storing a new object
 * into a long-lived one (the kernel) costs a write barrier under G1 (a fence and a dirty card each);
 * stored into this new collector they cost none. Measured in {@code docs/benchmarks.md}.
 *
 * <p>Immutable once frozen: the {@link List} methods that would change it throw
 * {@link UnsupportedOperationException}, and so does {@link #append}.
 */
public final class StepDecisions extends AbstractList<Decision> {
    private Decision first;
    private Decision second;
    private List<Decision> more;
    private int size;
    private boolean frozen;

    /**
     * Appends {@code d} while the step runs.
     *
     * @throws UnsupportedOperationException once frozen
     */
    public void append(Decision d) {
        if (frozen) {
            throw new UnsupportedOperationException("the step's decisions are final");
        }
        if (size == 0) {
            first = d;
        } else if (size == 1) {
            second = d;
        } else {
            if (more == null) {
                more = new ArrayList<>(6);
            }
            more.add(d);
        }
        size++;
    }

    /** @return this collector, frozen: the step's decisions as an immutable list */
    public StepDecisions freeze() {
        frozen = true;
        return this;
    }

    @Override
    public Decision get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size);
        }
        return index == 0 ? first : index == 1 ? second : more.get(index - 2);
    }

    @Override
    public int size() {
        return size;
    }
}

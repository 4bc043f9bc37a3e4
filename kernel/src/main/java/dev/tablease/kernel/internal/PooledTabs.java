package dev.tablease.kernel.internal;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The pooled tabs in pool order, pooled longest ago first ({@code poolExpiresAt}, then tab id, as the
 * spec's {@code OldestPooled}): one order over all keys (the next tab to expire, the tab an eviction
 * closes) and one per key (the tab a grant takes), both doubly linked lists of tab slots.
 *
 * <p>Why lists and not heaps: a tab's {@code poolExpiresAt} is {@code now + poolTtlMillis}, and
 * {@code now} never goes back, so a tab pooled later never goes before one pooled earlier: it goes last
 * (or first, when it ties with every pooled tab and has the smallest id). {@link #add} looks at the last
 * and the first tab, so it costs O(1) except for ties: a tab pooled in the same millisecond as tabs with
 * larger ids is placed by walking back over those tabs (at most the tabs pooled in that millisecond).
 * {@link #remove}, {@link #oldest()} and {@link #oldest(KeyEntry)} are O(1). A heap of all pooled tabs
 * cost O(log n) with mispredicted branches per level, and it was most of the cost of a grant and a
 * release with a full pool (measured in {@code docs/benchmarks.md}). A restored state's pooled tabs come
 * in any order: {@code LeaseKernel} adds them sorted, so each goes last.
 *
 * <p>Slots, not references: the links are {@code int} arrays indexed by tab slot ({@link EntrySlots}),
 * so linking a tab stores no object reference into this long-lived structure (see {@link EntrySlots}).
 *
 * <p>Invariant: a tab is in both orders (the global one and its key's) or in neither; each order is
 * sorted by ({@code poolExpiresAt}, tab id).
 */
public final class PooledTabs {

    /**
     * One order (all keys', or one key's): the first and last tab slots of its list, {@code -1} when it
     * holds no tab.
     */
    public static final class Order {
        private int first = -1;
        private int last = -1;

        /** @return whether no tab is in this order */
        public boolean isEmpty() {
            return first < 0;
        }
    }

    /** Pool order, for sorting tabs before they are added (a restored state's): {@code poolExpiresAt}, then tab id. */
    public static final Comparator<TabEntry> ORDER =
            Comparator.comparingLong((TabEntry t) -> t.poolExpiresAt).thenComparingLong(t -> t.tabId);

    private final EntrySlots<TabEntry> tabSlots;
    /** The global order's first and last slots. */
    private final Order all = new Order();
    /** Links of the global order, by tab slot; {@code -1}: none. */
    private int[] prev = new int[8];
    private int[] next = new int[8];
    /** Links of each key's order, by tab slot (a tab is in its own key's order only). */
    private int[] keyPrev = new int[8];
    private int[] keyNext = new int[8];
    /** {@code in[slot]}: whether the tab at that slot is pooled. */
    private boolean[] in = new boolean[8];
    /**
     * The pool order of each pooled tab, by slot: its {@code poolExpiresAt} and its tab id, copied when
     * it is pooled, so that placing a tab compares primitives and reads no other tab.
     */
    private long[] expiresAt = new long[8];
    private long[] tabIds = new long[8];
    private int size;

    /** @param tabSlots the kernel's slots of tabs */
    public PooledTabs(EntrySlots<TabEntry> tabSlots) {
        this.tabSlots = tabSlots;
    }

    /**
     * Pools {@code t} under its {@code poolExpiresAt}, in the global order and in its key's.
     *
     * @throws IllegalStateException when {@code t} has no slot or is pooled already; nothing changes then
     */
    public void add(TabEntry t) {
        int slot = t.slot;
        if (slot < 0) {
            throw new IllegalStateException("no slot: tab " + t.tabId);
        }
        if (slot >= in.length) {
            grow(slot);
        }
        if (in[slot]) {
            throw new IllegalStateException("already pooled: tab " + t.tabId);
        }
        in[slot] = true;
        size++;
        expiresAt[slot] = t.poolExpiresAt;
        tabIds[slot] = t.tabId;
        link(all, prev, next, slot);
        link(t.keyEntry.pooled, keyPrev, keyNext, slot);
    }

    /** Takes {@code t} out of the pool; does nothing when it is not pooled. */
    public void remove(TabEntry t) {
        int slot = t.slot;
        if (slot < 0 || slot >= in.length || !in[slot]) {
            return;
        }
        in[slot] = false;
        size--;
        unlink(all, prev, next, slot);
        unlink(t.keyEntry.pooled, keyPrev, keyNext, slot);
    }

    /** @return whether no tab is pooled */
    public boolean isEmpty() {
        return all.first < 0;
    }

    /** @return the number of pooled tabs */
    public int size() {
        return size;
    }

    /** @return the oldest pooled tab of all (smallest {@code poolExpiresAt}, then tab id), {@code null} when none */
    public TabEntry oldest() {
        return all.first < 0 ? null : tabSlots.get(all.first);
    }

    /** @return the {@code poolExpiresAt} of {@link #oldest()}, in milliseconds; {@link Long#MAX_VALUE} when none */
    public long oldestExpiresAt() {
        return all.first < 0 ? Long.MAX_VALUE : expiresAt[all.first];
    }

    /** @return the oldest pooled tab of key {@code k}, {@code null} when it has none */
    public TabEntry oldest(KeyEntry k) {
        int first = k.pooled.first;
        return first < 0 ? null : tabSlots.get(first);
    }

    /** @return whether the pooled tab at slot {@code a} goes before the one at slot {@code b} in pool order */
    private boolean before(int a, int b) {
        return expiresAt[a] < expiresAt[b] || (expiresAt[a] == expiresAt[b] && tabIds[a] < tabIds[b]);
    }

    private void link(Order order, int[] prev, int[] next, int slot) {
        int last = order.last;
        if (last < 0) {
            prev[slot] = -1;
            next[slot] = -1;
            order.first = slot;
            order.last = slot;
        } else if (!before(slot, last)) { // pooled after every other tab: the usual case
            prev[slot] = last;
            next[slot] = -1;
            next[last] = slot;
            order.last = slot;
        } else if (before(slot, order.first)) { // ties with them all, smallest id
            prev[slot] = -1;
            next[slot] = order.first;
            prev[order.first] = slot;
            order.first = slot;
        } else {
            linkBetween(prev, next, slot, last);
        }
    }

    /**
     * Links {@code t}, which goes before {@code last} but not first, after the last tab that goes before
     * it: a walk back over the tabs pooled in the same millisecond with larger ids. Out of line: rare, and
     * {@link #link} stays small enough to be inlined into the kernel's compiled code.
     */
    private void linkBetween(int[] prev, int[] next, int slot, int last) {
        int p = prev[last];
        while (before(slot, p)) {
            p = prev[p];
        }
        int n = next[p];
        prev[slot] = p;
        next[slot] = n;
        next[p] = slot;
        prev[n] = slot;
    }

    private static void unlink(Order order, int[] prev, int[] next, int slot) {
        int p = prev[slot];
        int n = next[slot];
        if (p < 0) {
            order.first = n;
        } else {
            next[p] = n;
        }
        if (n < 0) {
            order.last = p;
        } else {
            prev[n] = p;
        }
    }

    private void grow(int slot) {
        int n = Math.max(in.length * 2, slot + 1);
        prev = Arrays.copyOf(prev, n);
        next = Arrays.copyOf(next, n);
        keyPrev = Arrays.copyOf(keyPrev, n);
        keyNext = Arrays.copyOf(keyNext, n);
        in = Arrays.copyOf(in, n);
        expiresAt = Arrays.copyOf(expiresAt, n);
        tabIds = Arrays.copyOf(tabIds, n);
    }
}

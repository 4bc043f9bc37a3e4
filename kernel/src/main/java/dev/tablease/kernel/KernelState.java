package dev.tablease.kernel;

import java.util.List;

/**
 * A complete, immutable snapshot of the kernel's state: plain data, serialisable, comparable with
 * {@code equals}. {@link LeaseKernel#restore} rebuilds a kernel from it.
 *
 * @param lastNow       the largest {@code now} seen so far, in milliseconds
 * @param nextToken     the next fencing token to hand out
 * @param nextTabId     the next tab id to hand out
 * @param nextRequestId the next request id to hand out
 * @param nextWaitSeq   the next position in the waiting FIFO
 * @param tabs          every tab, by ascending {@code tabId}
 * @param sessions      every session, by ascending {@code sessionId}
 */
public record KernelState(long lastNow, long nextToken, long nextTabId, long nextRequestId, long nextWaitSeq,
                          List<Tab> tabs, List<Session> sessions) {

    /**
     * Copies the lists.
     *
     * @param lastNow       the largest {@code now} seen so far, in milliseconds
     * @param nextToken     the next fencing token to hand out
     * @param nextTabId     the next tab id to hand out
     * @param nextRequestId the next request id to hand out
     * @param nextWaitSeq   the next position in the waiting FIFO
     * @param tabs          every tab, by ascending {@code tabId}
     * @param sessions      every session, by ascending {@code sessionId}
     */
    public KernelState {
        tabs = List.copyOf(tabs);
        sessions = List.copyOf(sessions);
    }

    /**
     * The state of a kernel that has seen nothing yet.
     *
     * @return that state
     */
    public static KernelState initial() {
        return new KernelState(0, 1, 1, 1, 1, List.of(), List.of());
    }
}
